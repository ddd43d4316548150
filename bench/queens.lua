-- Queens (Are We Fast Yet), as queens.mvl.
local Queens = {}
Queens.__index = Queens

local function filled(n, v)
  local a = {}
  for i = 0, n - 1 do a[i] = v end
  return a
end

function Queens:queens()
  self.free_rows = filled(8, true)
  self.free_maxs = filled(16, true)
  self.free_mins = filled(16, true)
  self.queen_rows = filled(8, -1)
  return self:place_queen(0)
end

function Queens:place_queen(c)
  for r = 0, 7 do
    if self:get_row_column(r, c) then
      self.queen_rows[r] = c
      self:set_row_column(r, c, false)
      if c == 7 then return true end
      if self:place_queen(c + 1) then return true end
      self:set_row_column(r, c, true)
    end
  end
  return false
end

function Queens:get_row_column(r, c)
  return self.free_rows[r] and self.free_maxs[c + r] and self.free_mins[c - r + 7]
end

function Queens:set_row_column(r, c, v)
  self.free_rows[r] = v
  self.free_maxs[c + r] = v
  self.free_mins[c - r + 7] = v
end

local function benchmark()
  local result = true
  for _ = 1, 10 do
    result = result and setmetatable({}, Queens):queens()
  end
  return result
end

local iterations = 1000
local result = false
for _ = 1, iterations do
  result = benchmark()
  if not result then print("queens: FAILED, got false"); os.exit(1) end
end
print(string.format("queens: %s (%d iterations, verified)", tostring(result), iterations))
