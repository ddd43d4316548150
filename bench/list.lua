-- List (Are We Fast Yet), as list.mvl.
local function make_list(length)
  if length == 0 then return nil end
  return { val = length, next = make_list(length - 1) }
end

local function length(l)
  if l.next == nil then return 1 end
  return 1 + length(l.next)
end

local function is_shorter_than(x, y)
  local x_tail, y_tail = x, y
  while y_tail ~= nil do
    if x_tail == nil then return true end
    x_tail = x_tail.next
    y_tail = y_tail.next
  end
  return false
end

local function tail(x, y, z)
  if is_shorter_than(y, x) then
    return tail(tail(x.next, y, z), tail(y.next, z, x), tail(z.next, x, y))
  end
  return z
end

local function benchmark()
  return length(tail(make_list(15), make_list(10), make_list(6)))
end

local iterations = 2000
local result = 0
for _ = 1, iterations do
  result = benchmark()
  if result ~= 10 then print("list: FAILED, got " .. result); os.exit(1) end
end
print(string.format("list: %d (%d iterations, verified)", result, iterations))
