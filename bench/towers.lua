-- Towers (Are We Fast Yet), as towers.mvl.
local Towers = {}
Towers.__index = Towers

function Towers:push_disk(disk, pile)
  local top = self.piles[pile]
  if top and disk.size >= top.size then
    error("Cannot put a big disk on a smaller one")
  end
  disk.next = top
  self.piles[pile] = disk
end

function Towers:pop_disk_from(pile)
  local top = self.piles[pile]
  if top == nil then
    error("Attempting to remove a disk from an empty pile")
  end
  self.piles[pile] = top.next
  top.next = nil
  return top
end

function Towers:move_top_disk(from_pile, to_pile)
  self:push_disk(self:pop_disk_from(from_pile), to_pile)
  self.moves_done = self.moves_done + 1
end

function Towers:build_tower_at(pile, disks)
  for i = disks, 0, -1 do
    self:push_disk({ size = i, next = nil }, pile)
  end
end

function Towers:move_disks(disks, from_pile, to_pile)
  if disks == 1 then
    self:move_top_disk(from_pile, to_pile)
  else
    local other_pile = (3 - from_pile) - to_pile
    self:move_disks(disks - 1, from_pile, other_pile)
    self:move_top_disk(from_pile, to_pile)
    self:move_disks(disks - 1, other_pile, to_pile)
  end
end

local function benchmark()
  local t = setmetatable({ piles = {}, moves_done = 0 }, Towers)
  t:build_tower_at(0, 13)
  t:move_disks(13, 0, 1)
  return t.moves_done
end

local iterations = 500
local result = 0
for _ = 1, iterations do
  result = benchmark()
  if result ~= 8191 then print("towers: FAILED, got " .. result); os.exit(1) end
end
print(string.format("towers: %d (%d iterations, verified)", result, iterations))
