-- The indentation of a line of a Pol policy ('indentexpr'), as `pol fmt` writes it: one level
-- per bracket left open above the line, one level for the clauses and body that continue a
-- declaration on its next lines (`default deny` then `because …`, `fn f() =` then its body),
-- and one more for a line that goes on with an operator (`and …`). A line inside a string
-- keeps its indentation, which is part of the string.
local M = {}

-- Words a declaration starts with, at the start of a line.
local DECLARATION = {
  rule = true, record = true, enum = true, fn = true, let = true, use = true,
  obligation = true, decide = true, default = true, test = true, data = true, policy = true,
  module = true,
}

-- Words and symbols that go on with an expression begun on the line above.
local CONTINUATION = {
  ["and"] = true, ["or"] = true, ["in"] = true, ["subset"] = true, ["union"] = true,
  ["intersect"] = true, ["without"] = true,
}

-- The code of `line`: its strings emptied (`""`) and its comment cut off.
local function code_of(line)
  local parts, idx, len = {}, 1, #line
  while idx <= len do
    local char = line:sub(idx, idx)
    if char == '"' then
      local close = idx + 1
      while close <= len and line:sub(close, close) ~= '"' do
        close = close + (line:sub(close, close) == "\\" and 2 or 1)
      end
      table.insert(parts, '""')
      idx = close + 1
    elseif char == "/" and line:sub(idx + 1, idx + 1) == "/" then
      break
    else
      table.insert(parts, char)
      idx = idx + 1
    end
  end
  return table.concat(parts)
end

local function first_word(line)
  return line:match("^%s*([%a_][%w_]*)")
end

local function starts_declaration(line)
  local word = line:match("^([%a_][%w_]*)")
  return word ~= nil and DECLARATION[word] == true
end

local function continues_expression(line)
  local word = first_word(line)
  if word ~= nil and CONTINUATION[word] then
    return true
  end
  return line:match("^%s*[-+*=!<>]") ~= nil and line:match("^%s*%->") == nil
end

-- Whether the code of `line` (before any comment) ends with an operator, so the expression goes
-- on to the next line.
local function ends_with_operator(line)
  local code = code_of(line)
  local word = code:match("([%a_][%w_]*)%s*$")
  if word ~= nil and CONTINUATION[word] then
    return true
  end
  -- Not `<` and `>`, which also close a type (`Set<Text>`), nor `=`, which ends a declaration's
  -- head (the body is indented as its continuation).
  return code:match("[!=<>]=%s*$") ~= nil or code:match("[+*]%s*$") ~= nil or code:match("[^-]%-%s*$") ~= nil
end

-- Reads line `row`, `text`, from the state `state` (`open`, the rows where the brackets still
-- open were opened, innermost last, with their characters; `in_string`), outside strings and
-- comments; returns the state at its end.
local function scan(row, text, state)
  local open, in_string = vim.deepcopy(state.open), state.in_string
  local idx, len = 1, #text
  while idx <= len do
    local char = text:sub(idx, idx)
    if in_string then
      if char == "\\" then
        idx = idx + 1
      elseif char == '"' then
        in_string = false
      end
    elseif char == '"' then
      in_string = true
    elseif char == "/" and text:sub(idx + 1, idx + 1) == "/" then
      break
    elseif char == "{" or char == "(" or char == "[" then
      table.insert(open, { row = row, char = char })
    elseif char == "}" or char == ")" or char == "]" then
      table.remove(open)
    end
    idx = idx + 1
  end
  return { open = open, in_string = in_string }
end

--- The indent of line `lnum` (default: `v:lnum`), in columns; -1 (keep it) inside a string.
function M.expr(lnum)
  lnum = lnum or vim.v.lnum
  local line = vim.fn.getline(lnum)
  local width = vim.fn.shiftwidth()
  local is_comment = line:match("^%s*//") ~= nil
  if starts_declaration(vim.trim(line)) or (line:match("^%s*source%f[^%w_]") and not line:match("^%s*source%s*:")) then
    return 0
  end
  -- Read from the start of the declaration above: a line that starts one at column 0.
  local start = lnum - 1
  while start > 1 and not starts_declaration(vim.fn.getline(start)) do
    start = start - 1
  end
  local state = { open = {}, in_string = false }
  local previous = nil -- the last line above with code (not only a comment), as it started
  for row = math.max(start, 1), lnum - 1 do
    local text = vim.fn.getline(row)
    local before = state
    state = scan(row, text, state)
    if before.in_string or not text:match("^%s*//") and text:match("%S") then
      previous = { row = row, start = before }
    end
  end
  if state.in_string then
    return -1
  end
  local above = vim.fn.prevnonblank(lnum - 1)
  if is_comment and above > 0 and vim.fn.getline(above):match("^%s*//") then
    -- A comment goes on with the comment above it.
    return vim.fn.indent(above)
  end

  local open = state.open
  local closes = line:match("^%s*[%]%)}]") ~= nil
  local innermost = open[#open]
  local indent
  if innermost == nil then
    indent = 0
    -- Outside brackets: a clause or body that goes on with the declaration above, unless a
    -- blank line or a closing bracket ended it.
    if previous ~= nil and not is_comment and previous.row == lnum - 1 and #previous.start.open == 0 then
      indent = width
    end
  elseif closes then
    return vim.fn.indent(innermost.row)
  else
    indent = vim.fn.indent(innermost.row) + width
  end

  local word = first_word(line)
  if word == "then" or word == "else" then
    -- `then` and `else` go one level in from their `if`; `else` lines up with `then`.
    for row = lnum - 1, math.max(start, 1), -1 do
      local text = vim.fn.getline(row)
      if word == "else" and first_word(text) == "then" then
        return vim.fn.indent(row)
      end
      if code_of(text):match("%f[%w_]if%f[^%w_]") then
        return vim.fn.indent(row) + width
      end
    end
  end
  if previous ~= nil and previous.row == above and code_of(vim.fn.getline(above)):match(":%s*$") then
    -- The condition of a quantifier (`any x in xs:`) goes on one level in.
    return vim.fn.indent(above) + width
  end

  -- An expression that goes on from the line above is one level in from its clause; inside
  -- parentheses or a set, operands and operators line up.
  local in_clause = innermost == nil
    or innermost.char == "{" and starts_declaration(vim.fn.getline(innermost.row))
  if in_clause and (continues_expression(line)
      or previous ~= nil and previous.row == above and ends_with_operator(vim.fn.getline(above))) then
    indent = indent + width
  end
  return indent
end

return M
