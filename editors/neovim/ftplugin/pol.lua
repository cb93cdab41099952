-- Editing Pol policies: `//` comments, and indentation of two spaces inside brackets and after
-- a declaration's `=`, as `pol fmt` writes it.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = "// %s"
vim.bo.comments = "://"
-- Continue a comment on Enter and `o`, and wrap comments (not code) at 'textwidth'.
vim.bo.formatoptions = vim.bo.formatoptions:gsub("t", "") .. "croql"
vim.bo.textwidth = 100
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
vim.bo.indentexpr = "v:lua.require'pol.indent'.expr()"
-- Indent again when a closing bracket is typed first on a line.
vim.bo.indentkeys = "0{,0},0),0],!^F,o,O,e,0=and,0=or,0=rule,0=record,0=enum,0=fn,0=let,0=use,0=test"
-- `gf` on `use "schema.pol"` opens the imported file.
vim.bo.suffixesadd = ".pol"

vim.b.undo_ftplugin = table.concat({
  "setlocal commentstring< comments< formatoptions< textwidth< expandtab< shiftwidth<",
  "softtabstop< indentexpr< indentkeys< suffixesadd<",
}, " ")
