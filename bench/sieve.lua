-- Sieve (Are We Fast Yet), as sieve.mvl.
local function sieve(flags, size)
  local prime_count = 0
  for i = 2, size do
    if flags[i] then
      prime_count = prime_count + 1
      local k = i + i
      while k <= size do
        flags[k] = false
        k = k + i
      end
    end
  end
  return prime_count
end

local function benchmark()
  local flags = {}
  for i = 1, 5000 do flags[i] = true end
  return sieve(flags, 5000)
end

local iterations = 3000
local result = 0
for _ = 1, iterations do
  result = benchmark()
  if result ~= 669 then print("sieve: FAILED, got " .. result); os.exit(1) end
end
print(string.format("sieve: %d (%d iterations, verified)", result, iterations))
