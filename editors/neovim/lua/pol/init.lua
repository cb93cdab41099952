-- Starts Pol's language server, `pol lsp`, with Neovim's built-in client for every Pol buffer:
-- `require("pol").setup()` in your init.lua. Works on Neovim 0.7 (`vim.lsp.start_client`) and
-- later (`vim.lsp.start`, from 0.8).
local M = {}

--- The settings `setup` starts the server with; `setup(opts)` changes any of them.
M.config = {
  -- The command that runs the server: `pol` looked up on PATH, or a full path to the binary.
  cmd = { "pol", "lsp" },
  -- The workspace folder of a file is the nearest folder above it holding one of these, else
  -- the file's own folder. Imports may reach anywhere in the workspace folder.
  root_markers = { ".git" },
  -- Passed to the client as they are (see `:help vim.lsp.start_client()`).
  capabilities = nil,
  on_attach = nil,
  init_options = nil,
}

-- Neovim 0.7 has no `vim.lsp.start`: the client started for each workspace folder, by folder.
local clients = {}

-- The workspace folder of the file at `path`.
local function root_dir(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local start = dir
  while true do
    for _, marker in ipairs(M.config.root_markers) do
      if (vim.uv or vim.loop).fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return start
    end
    dir = parent
  end
end

-- Whether `path` is a stdlib module that `pol lsp` copied, read-only, into the user's cache
-- folder (`…/pol/std-HASH/NAME.pol`) so that a definition in it opens as a file.
local function is_stdlib_copy(path)
  return path:match("/pol/std%-%x+/[%w_]+%.pol$") ~= nil
end

-- The clients of `pol lsp` running now.
local function running()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  return vim.tbl_filter(function(client)
    -- Called with the client as argument: a method from Neovim 0.11, a closure before.
    return client.name == "pol" and not client.is_stopped(client)
  end, all)
end

--- Starts `pol lsp` for buffer `bufnr` (default: the current one), or attaches the client
--- already running for its workspace folder (a stdlib module's copy: any running client).
--- Returns the client's id, or nil for a buffer that is not a file (a `pol-std:` module, a
--- scratch buffer).
function M.start(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  if vim.bo[bufnr].buftype ~= "" or path == "" or path:match("^%a[%w+.-]*://") then
    return nil
  end
  if is_stdlib_copy(path) then
    -- Read-only, and served by the client that pointed into it rather than a new server.
    vim.bo[bufnr].readonly = true
    vim.bo[bufnr].modifiable = false
    local client = running()[1]
    if client ~= nil then
      vim.lsp.buf_attach_client(bufnr, client.id)
      return client.id
    end
    return nil
  end
  local root = root_dir(path)
  local config = {
    name = "pol",
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = M.config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    on_attach = M.config.on_attach,
    init_options = M.config.init_options,
  }
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[root]
  if id == nil or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id ~= nil then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Starts `pol lsp` for every Pol buffer, those open now and those opened later. `opts`
--- overrides fields of `M.config`, e.g. `{ cmd = { "/path/to/pol", "lsp" } }`.
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  local group = vim.api.nvim_create_augroup("pol_lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "pol",
    callback = function(args)
      M.start(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == "pol" then
      M.start(bufnr)
    end
  end
end

return M
