-- Permute (Are We Fast Yet), as permute.mvl.
local Permute = {}
Permute.__index = Permute

function Permute:swap(i, j)
  local v = self.v
  local tmp = v[i]
  v[i] = v[j]
  v[j] = tmp
end

function Permute:permute(n)
  self.count = self.count + 1
  if n ~= 0 then
    local n1 = n - 1
    self:permute(n1)
    for i = n1, 0, -1 do
      self:swap(n1, i)
      self:permute(n1)
      self:swap(n1, i)
    end
  end
end

local function benchmark()
  local p = setmetatable({ count = 0, v = { [0] = 0, 0, 0, 0, 0, 0 } }, Permute)
  p:permute(6)
  return p.count
end

local iterations = 1000
local result = 0
for _ = 1, iterations do
  result = benchmark()
  if result ~= 8660 then print("permute: FAILED, got " .. result); os.exit(1) end
end
print(string.format("permute: %d (%d iterations, verified)", result, iterations))
