-- Files ending in `.pol` are Pol policies.
if vim.fn.has("nvim-0.8") == 1 then
  vim.filetype.add({ extension = { pol = "pol" } })
else
  -- Neovim 0.7 reads `vim.filetype.add` only with `g:do_filetype_lua` set: an autocommand
  -- works with or without it.
  vim.cmd([[autocmd BufRead,BufNewFile *.pol setfiletype pol]])
end
