-- A scripted session of Neovim's built-in LSP client against `mvlc lsp`
-- (run by tests/nvim.rs): MVLC is the binary, DIR holds main.mvl and
-- geometry.mvl. Written for Neovim 0.7 and later. Exits non-zero on the
-- first check that fails.
local mvlc = os.getenv("MVLC")
local dir = os.getenv("DIR")

local function fail(msg)
  io.stderr:write("FAIL: " .. msg .. "\n")
  vim.cmd("cquit 1")
end

local function check(cond, msg)
  if not cond then
    fail(msg)
  end
  io.stdout:write("ok: " .. msg .. "\n")
end

local client_id = vim.lsp.start_client({
  name = "mvlc",
  cmd = { mvlc, "lsp" },
  root_dir = dir,
})
check(client_id ~= nil, "the server starts")

local function open(name)
  vim.cmd("edit " .. dir .. "/" .. name)
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client_id)
  return buf
end

local main = open("main.mvl")
local uri = vim.uri_from_bufnr(main)

local function request(buf, method, params)
  local answers = vim.lsp.buf_request_sync(buf, method, params, 20000)
  for _, a in pairs(answers or {}) do
    if a.result ~= nil then
      return a.result
    end
  end
  return nil
end

-- line and col from 0, as LSP counts them
local function at(line, col)
  return { textDocument = { uri = uri }, position = { line = line, character = col } }
end

local function wait_for(what, cond)
  check(vim.wait(20000, cond, 50), what)
end

-- A type error's diagnostic, on its line.
wait_for("a type error's diagnostic on line 11", function()
  local d = vim.diagnostic.get(main)
  return #d == 1 and d[1].lnum == 10 and d[1].code == "E0201"
end)

-- Hover shows the type.
local hover = request(main, "textDocument/hover", at(8, 8))
check(hover and hover.contents.value:find("let p: Point", 1, true), "hover shows `let p: Point`")
hover = request(main, "textDocument/hover", at(10, 18))
check(hover and hover.contents.value:find("fn norm: fn(Point) -> Float", 1, true)
  and hover.contents.value:find("The length of a vector.", 1, true), "hover shows a signature and its comment")

-- Definition, in this file and in another.
local def = request(main, "textDocument/definition", at(10, 18))
check(def and def.uri == uri and def.range.start.line == 3, "definition of `norm` in this file")
def = request(main, "textDocument/definition", at(8, 23))
check(def and def.uri:find("geometry.mvl$") and def.range.start.line == 6, "definition of `origin` in geometry.mvl")

-- Completion after `.` offers the fields and the methods.
vim.api.nvim_buf_set_lines(main, 12, 12, false, { "    q." })
local items = request(main, "textDocument/completion", at(12, 6))
local labels = {}
for _, item in ipairs(items or {}) do
  labels[item.label] = item.detail or ""
end
check(labels["x"] == "Float" and labels["y"] == "Float" and labels["len"] ~= nil,
  "completion after `q.` offers x, y and len")
vim.api.nvim_buf_set_lines(main, 12, 13, false, {})

-- References and rename across the two files.
local refs = request(main, "textDocument/references",
  vim.tbl_extend("force", at(8, 23), { context = { includeDeclaration = true } }))
local files = {}
for _, r in ipairs(refs or {}) do
  files[vim.fn.fnamemodify(vim.uri_to_fname(r.uri), ":t")] = true
end
check(refs and #refs == 2 and files["main.mvl"] and files["geometry.mvl"], "references of `origin` in both files")
local edit = request(main, "textDocument/rename", vim.tbl_extend("force", at(8, 23), { newName = "zero" }))
local renamed = 0
for u, edits in pairs((edit or {}).changes or {}) do
  renamed = renamed + #edits
end
check(renamed == 2, "rename of `origin` edits both files")

-- An edit that fixes the error clears the diagnostic.
vim.api.nvim_buf_set_lines(main, 10, 11, false, { "    let n: Float = norm(q);" })
wait_for("the fix clears the diagnostic", function()
  return #vim.diagnostic.get(main) == 0
end)

-- An edit in the module produces a diagnostic in its importer.
local geometry = open("geometry.mvl")
vim.api.nvim_buf_set_lines(geometry, 2, 3, false, { "    y: Int," })
wait_for("an edit in geometry.mvl shows in main.mvl", function()
  return #vim.diagnostic.get(main) > 0
end)

vim.lsp.stop_client(client_id)
vim.cmd("qall!")
