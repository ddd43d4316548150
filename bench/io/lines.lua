-- The I/O benchmark: reads standard input line by line and prints one line
-- per input line (its number, its length and the line), then a summary.
local n, bytes = 0, 0
for line in io.lines() do
  n = n + 1
  local len = utf8.len(line) or #line
  bytes = bytes + len
  io.write(n, " ", len, " ", line, "\n")
end
io.stderr:write(n, " lines, ", bytes, " characters\n")
