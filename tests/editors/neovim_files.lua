-- Driven by tests/editors_neovim.rs in a headless Neovim with editors/neovim on 'runtimepath'.
-- Opens each file named in $POL_TEST_FILES (one per line) and writes to $POL_TEST_OUT, one fact
-- a line:
--   file NAME FILETYPE COMMENTSTRING        (for each file, as Neovim detected it)
--   invalid NAME:LINE:COL GROUP TEXT        (a character highlighted as an error)
--   reindented NAME:LINE WANT GOT           (`gg=G` moved a line of a formatted policy)
--   group LINE:COL GROUP                    (in the file $POL_TEST_PROBE, at each position of
--                                            $POL_TEST_ASK, one `LINE:COL` a line, from 1)
--   error TEXT                              (a Lua error stopped the script)
local out = {}
local function say(...)
  table.insert(out, table.concat({ ... }, " "))
end

local ok, problem = pcall(function()
  for _, name in ipairs(vim.split(os.getenv("POL_TEST_FILES"), "\n", { trimempty = true })) do
    vim.cmd("edit " .. vim.fn.fnameescape(name))
    say("file", vim.fn.fnamemodify(name, ":t"), vim.bo.filetype, vim.bo.commentstring)
    if vim.bo.filetype ~= "pol" then
      -- Expected output of `pol fmt` (`.stdout`) is Pol too.
      vim.bo.filetype = "pol"
    end
    local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    for lnum, line in ipairs(lines) do
      for col = 1, #line do
        local group = vim.fn.synIDattr(vim.fn.synID(lnum, col, 1), "name")
        if group:match("Error") then
          say("invalid", name .. ":" .. lnum .. ":" .. col, group, line:sub(col, col))
        end
      end
    end
    vim.cmd("silent normal! gg=G")
    for lnum, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
      if line ~= lines[lnum] then
        say("reindented", name .. ":" .. lnum, vim.inspect(lines[lnum]), vim.inspect(line))
      end
    end
    vim.cmd("bwipeout!")
  end

  local probe = os.getenv("POL_TEST_PROBE")
  if probe ~= nil and probe ~= "" then
    vim.cmd("edit " .. vim.fn.fnameescape(probe))
    for _, at in ipairs(vim.split(os.getenv("POL_TEST_ASK"), "\n", { trimempty = true })) do
      local row, col = at:match("^(%d+):(%d+)$")
      say("group", at, vim.fn.synIDattr(vim.fn.synID(tonumber(row), tonumber(col), 1), "name"))
    end
  end
end)
if not ok then
  say("error", tostring(problem))
end
vim.fn.writefile(out, os.getenv("POL_TEST_OUT"))
vim.cmd("qall!")
