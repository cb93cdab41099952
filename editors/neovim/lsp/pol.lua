-- The configuration of `pol lsp` for Neovim 0.11 and later: with this folder on 'runtimepath',
-- `vim.lsp.enable("pol")` starts it for Pol buffers (`vim.lsp.config("pol", {...})` changes it).
return {
  cmd = { "pol", "lsp" },
  filetypes = { "pol" },
  root_markers = { ".git" },
}
