-- Driven by tests/editors_neovim.rs in a headless Neovim that opened a policy with an error,
-- with editors/neovim on 'runtimepath' and `pol lsp` started by `require("pol").setup`.
-- Writes what the editor got, one fact a line, to $POL_TEST_OUT, then quits:
--   attached BOOL
--   diagnostic CODE LINE COL END_LINE END_COL MESSAGE   (0-based, columns in bytes; a line
--                                                      break in MESSAGE written `\n`)
--   cleared BOOL                                       (after the error is fixed in the buffer)
--   definition FILE ROW COL [not-modifiable|modifiable] (the cursor after going to a definition;
--                                                      for the stdlib's, whether it can be edited)
--   servers N attached to the stdlib's buffer: M        (clients of `pol lsp` running; M serve
--                                                      the stdlib module's buffer)
--   error TEXT                                         (a Lua error stopped the script)
-- Every wait is generous: the test is about what arrives, not how fast.
local out = {}
local function say(...)
  table.insert(out, table.concat({ ... }, " "))
end

local WAIT = 20000

local function clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
end

-- The position of `word` on the line that contains `marker`: a row counted from 1 and a
-- column in bytes counted from 0, as `nvim_win_set_cursor` takes them.
local function find(bufnr, marker, word)
  for row, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:find(marker, 1, true) then
      local col = line:find(word, 1, true)
      return row, col - 1
    end
  end
  error("no line holds " .. marker)
end

local ok, problem = pcall(function()
  local bufnr = vim.api.nvim_get_current_buf()
  say("attached", tostring(vim.wait(WAIT, function()
    return #clients(bufnr) > 0
  end, 20)))

  vim.wait(WAIT, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 20)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    local message = d.message:gsub("\n", "\\n")
    say("diagnostic", tostring(d.code or lsp.code), d.lnum, d.col, d.end_lnum, d.end_col, message)
  end

  -- Fix the misspelt field as a person would, in the buffer: the client sends the change.
  local row = find(bufnr, "party_to_conflit", "party_to_conflit")
  local line = vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1]
  local fixed = line:gsub("party_to_conflit", "party_to_conflict")
  vim.api.nvim_buf_set_lines(bufnr, row - 1, row, false, { fixed })
  say("cleared", tostring(vim.wait(WAIT, function()
    return #vim.diagnostic.get(bufnr) == 0
  end, 20)))

  -- Go to the definition of the record type the policy decides on, in the imported schema.
  local def_row, def_col = find(bufnr, "decide t:", "Transfer")
  vim.api.nvim_win_set_cursor(0, { def_row, def_col })
  vim.lsp.buf.definition()
  vim.wait(WAIT, function()
    return vim.api.nvim_buf_get_name(0):match("schema%.pol$") ~= nil
  end, 20)
  local cursor = vim.api.nvim_win_get_cursor(0)
  say("definition", vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ":t"), cursor[1], cursor[2])

  -- Back in the policy, go to the definition of a stdlib function: its read-only copy opens.
  vim.api.nvim_set_current_buf(bufnr)
  local std_row, std_col = find(bufnr, "within_days(", "within_days")
  vim.api.nvim_win_set_cursor(0, { std_row, std_col })
  vim.lsp.buf.definition()
  vim.wait(WAIT, function()
    return vim.api.nvim_buf_get_name(0):match("dates%.pol$") ~= nil
  end, 20)
  cursor = vim.api.nvim_win_get_cursor(0)
  local std = vim.api.nvim_get_current_buf()
  say("definition", vim.fn.fnamemodify(vim.api.nvim_buf_get_name(std), ":t"), cursor[1], cursor[2],
    vim.bo[std].modifiable and "modifiable" or "not-modifiable")

  -- The stdlib's buffer is served by the policy's server, not one of its own.
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  local servers = 0
  for _, client in ipairs(all) do
    if client.name == "pol" then
      servers = servers + 1
    end
  end
  say("servers", servers, "attached to the stdlib's buffer:", #clients(std))
end)
if not ok then
  say("error", tostring(problem))
end
vim.fn.writefile(out, os.getenv("POL_TEST_OUT"))
vim.cmd("qall!")
