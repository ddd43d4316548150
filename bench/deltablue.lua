-- DeltaBlue (Are We Fast Yet), as deltablue.mvl: the incremental constraint
-- solver, with objects as in the original suite (metatables for classes).
local ABSOLUTE_STRONGEST = -10000
local REQUIRED = -800
local STRONG_PREFERRED = -600
local PREFERRED = -400
local STRONG_DEFAULT = -200
local DEFAULT = 0
local WEAK_DEFAULT = 500
local ABSOLUTE_WEAKEST = 10000

local NONE, FORWARD, BACKWARD = 0, 1, 2

local function stronger(a, b) return a < b end
local function weaker(a, b) return a > b end
local function weakest(a, b) if weaker(b, a) then return b end return a end

local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, { __index = parent }) end
  return c
end

-- A Vector with an O(1) removeFirst, as the suite's Vector.
local Queue = class()
function Queue.new(first_item)
  local q = setmetatable({ items = {}, first = 1, last = 0 }, Queue)
  if first_item ~= nil then q:append(first_item) end
  return q
end
function Queue:append(x) self.last = self.last + 1; self.items[self.last] = x end
function Queue:is_empty() return self.first > self.last end
function Queue:remove_first()
  local x = self.items[self.first]
  self.items[self.first] = nil
  self.first = self.first + 1
  return x
end

local Variable = class()
function Variable.new(value)
  return setmetatable({ value = value or 0, constraints = {}, determined_by = nil,
                        walk_strength = ABSOLUTE_WEAKEST, stay = true, mark = 0 }, Variable)
end
function Variable:add_constraint(c) self.constraints[#self.constraints + 1] = c end
function Variable:remove_constraint(c)
  -- the suite's Vector.remove: the first occurrence, if any
  local cs = self.constraints
  for i = 1, #cs do
    if cs[i] == c then table.remove(cs, i); break end
  end
  if self.determined_by == c then self.determined_by = nil end
end

local AbstractConstraint = class()
function AbstractConstraint:is_input() return false end
function AbstractConstraint:add_constraint(planner)
  self:add_to_graph()
  planner:incremental_add(self)
end
function AbstractConstraint:destroy_constraint(planner)
  if self:is_satisfied() then planner:incremental_remove(self) end
  self:remove_from_graph()
end
function AbstractConstraint:inputs_known(mark)
  return not self:inputs_has_one(function(v)
    return not (v.mark == mark or v.stay or v.determined_by == nil)
  end)
end
function AbstractConstraint:satisfy(mark, planner)
  self:choose_method(mark)
  if not self:is_satisfied() then
    if self.strength == REQUIRED then error("Could not satisfy a required constraint") end
    return nil
  end
  self:mark_inputs(mark)
  local out = self:output()
  local overridden = out.determined_by
  if overridden ~= nil then overridden:mark_unsatisfied() end
  out.determined_by = self
  if not planner:add_propagate(self, mark) then error("Cycle encountered") end
  out.mark = mark
  return overridden
end

local UnaryConstraint = class(AbstractConstraint)
local function init_unary(self, v, strength, planner)
  self.strength = strength
  self.my_output = v
  self.satisfied = false
  self:add_constraint(planner)
  return self
end
function UnaryConstraint:add_to_graph()
  self.my_output:add_constraint(self)
  self.satisfied = false
end
function UnaryConstraint:remove_from_graph()
  if self.my_output ~= nil then self.my_output:remove_constraint(self) end
  self.satisfied = false
end
function UnaryConstraint:choose_method(mark)
  self.satisfied = self.my_output.mark ~= mark and stronger(self.strength, self.my_output.walk_strength)
end
function UnaryConstraint:is_satisfied() return self.satisfied end
function UnaryConstraint:mark_inputs(_) end
function UnaryConstraint:output() return self.my_output end
function UnaryConstraint:recalculate()
  self.my_output.walk_strength = self.strength
  self.my_output.stay = not self:is_input()
  if self.my_output.stay then self:execute() end
end
function UnaryConstraint:mark_unsatisfied() self.satisfied = false end
function UnaryConstraint:inputs_has_one(_) return false end
function UnaryConstraint:execute() end

local EditConstraint = class(UnaryConstraint)
function EditConstraint.new(v, strength, planner) return init_unary(setmetatable({}, EditConstraint), v, strength, planner) end
function EditConstraint:is_input() return true end

local StayConstraint = class(UnaryConstraint)
function StayConstraint.new(v, strength, planner) return init_unary(setmetatable({}, StayConstraint), v, strength, planner) end

local BinaryConstraint = class(AbstractConstraint)
function BinaryConstraint:is_satisfied() return self.direction ~= NONE end
function BinaryConstraint:add_to_graph()
  self.v1:add_constraint(self)
  self.v2:add_constraint(self)
  self.direction = NONE
end
function BinaryConstraint:remove_from_graph()
  if self.v1 ~= nil then self.v1:remove_constraint(self) end
  if self.v2 ~= nil then self.v2:remove_constraint(self) end
  self.direction = NONE
end
function BinaryConstraint:choose_method(mark)
  if self.v1.mark == mark then
    if self.v2.mark ~= mark and stronger(self.strength, self.v2.walk_strength) then
      self.direction = FORWARD
    else
      self.direction = NONE
    end
    return
  end
  if self.v2.mark == mark then
    if self.v1.mark ~= mark and stronger(self.strength, self.v1.walk_strength) then
      self.direction = BACKWARD
    else
      self.direction = NONE
    end
    return
  end
  -- If we get here, neither variable is marked, so we have a choice.
  if weaker(self.v1.walk_strength, self.v2.walk_strength) then
    if stronger(self.strength, self.v1.walk_strength) then
      self.direction = BACKWARD
    else
      self.direction = NONE
    end
  else
    if stronger(self.strength, self.v2.walk_strength) then
      self.direction = FORWARD
    else
      self.direction = BACKWARD
    end
  end
end
function BinaryConstraint:mark_unsatisfied() self.direction = NONE end
function BinaryConstraint:input() if self.direction == FORWARD then return self.v1 end return self.v2 end
function BinaryConstraint:output() if self.direction == FORWARD then return self.v2 end return self.v1 end
function BinaryConstraint:inputs_has_one(fn) return fn(self:input()) end
function BinaryConstraint:mark_inputs(mark) self:input().mark = mark end
function BinaryConstraint:recalculate()
  local ihn, out = self:input(), self:output()
  out.walk_strength = weakest(self.strength, ihn.walk_strength)
  out.stay = ihn.stay
  if out.stay then self:execute() end
end

local EqualityConstraint = class(BinaryConstraint)
function EqualityConstraint.new(var1, var2, strength, planner)
  local c = setmetatable({ strength = strength, v1 = var1, v2 = var2, direction = NONE }, EqualityConstraint)
  c:add_constraint(planner)
  return c
end
function EqualityConstraint:execute()
  if self.direction == FORWARD then self.v2.value = self.v1.value else self.v1.value = self.v2.value end
end

local ScaleConstraint = class(BinaryConstraint)
function ScaleConstraint.new(src, scale, offset, dest, strength, planner)
  local c = setmetatable({ strength = strength, v1 = src, v2 = dest, direction = NONE,
                           scale = scale, offset = offset }, ScaleConstraint)
  c:add_constraint(planner)
  return c
end
function ScaleConstraint:add_to_graph()
  self.v1:add_constraint(self)
  self.v2:add_constraint(self)
  self.scale:add_constraint(self)
  self.offset:add_constraint(self)
  self.direction = NONE
end
function ScaleConstraint:remove_from_graph()
  if self.v1 ~= nil then self.v1:remove_constraint(self) end
  if self.v2 ~= nil then self.v2:remove_constraint(self) end
  if self.scale ~= nil then self.scale:remove_constraint(self) end
  if self.offset ~= nil then self.offset:remove_constraint(self) end
  self.direction = NONE
end
function ScaleConstraint:inputs_has_one(fn)
  return fn(self:input()) or fn(self.scale) or fn(self.offset)
end
function ScaleConstraint:mark_inputs(mark)
  self:input().mark = mark
  self.scale.mark = mark
  self.offset.mark = mark
end
function ScaleConstraint:execute()
  if self.direction == FORWARD then
    self.v2.value = self.v1.value * self.scale.value + self.offset.value
  else
    -- integer division (math.floor keeps it an integer in Lua 5.4)
    self.v1.value = math.floor((self.v2.value - self.offset.value) / self.scale.value)
  end
end
function ScaleConstraint:recalculate()
  local ihn, out = self:input(), self:output()
  out.walk_strength = weakest(self.strength, ihn.walk_strength)
  out.stay = ihn.stay and self.scale.stay and self.offset.stay
  if out.stay then self:execute() end
end

local Plan = class()
function Plan.new() return setmetatable({ items = {} }, Plan) end
function Plan:append(c) self.items[#self.items + 1] = c end
function Plan:execute()
  local items = self.items
  for i = 1, #items do items[i]:execute() end
end

local Planner = class()
function Planner.new() return setmetatable({ current_mark = 1 }, Planner) end
function Planner:incremental_add(c)
  local mark = self:new_mark()
  local overridden = c:satisfy(mark, self)
  while overridden ~= nil do overridden = overridden:satisfy(mark, self) end
end
function Planner:incremental_remove(c)
  local out = c:output()
  c:mark_unsatisfied()
  c:remove_from_graph()
  local unsatisfied = self:remove_propagate_from(out)
  for i = 1, #unsatisfied do self:incremental_add(unsatisfied[i]) end
end
function Planner:add_propagate(c, mark)
  local todo = Queue.new(c)
  while not todo:is_empty() do
    local d = todo:remove_first()
    if d:output().mark == mark then
      self:incremental_remove(c)
      return false
    end
    d:recalculate()
    self:add_constraints_consuming_to(d:output(), todo)
  end
  return true
end
function Planner:change(v, new_value)
  local edit = EditConstraint.new(v, PREFERRED, self)
  local plan = self:extract_plan_from_constraints({ edit })
  for _ = 1, 10 do
    v.value = new_value
    plan:execute()
  end
  edit:destroy_constraint(self)
end
function Planner:constraints_consuming(v, fn)
  local determining_c = v.determined_by
  local cs = v.constraints
  for i = 1, #cs do
    local c = cs[i]
    if c ~= determining_c and c:is_satisfied() then fn(c) end
  end
end
function Planner:add_constraints_consuming_to(v, coll)
  local determining_c = v.determined_by
  local cs = v.constraints
  for i = 1, #cs do
    local c = cs[i]
    if c ~= determining_c and c:is_satisfied() then coll:append(c) end
  end
end
function Planner:extract_plan_from_constraints(constraints)
  local sources = Queue.new()
  for i = 1, #constraints do
    local c = constraints[i]
    if c:is_input() and c:is_satisfied() then sources:append(c) end
  end
  return self:make_plan(sources)
end
function Planner:make_plan(sources)
  local mark = self:new_mark()
  local plan = Plan.new()
  local todo = sources
  while not todo:is_empty() do
    local c = todo:remove_first()
    if c:output().mark ~= mark and c:inputs_known(mark) then
      plan:append(c)
      c:output().mark = mark
      self:add_constraints_consuming_to(c:output(), todo)
    end
  end
  return plan
end
function Planner:new_mark()
  self.current_mark = self.current_mark + 1
  return self.current_mark
end
function Planner:remove_propagate_from(out)
  local unsatisfied = {}
  out.determined_by = nil
  out.walk_strength = ABSOLUTE_WEAKEST
  out.stay = true
  local todo = Queue.new(out)
  while not todo:is_empty() do
    local v = todo:remove_first()
    local cs = v.constraints
    for i = 1, #cs do
      if not cs[i]:is_satisfied() then unsatisfied[#unsatisfied + 1] = cs[i] end
    end
    self:constraints_consuming(v, function(c)
      c:recalculate()
      todo:append(c:output())
    end)
  end
  -- a stable sort, strongest first (table.sort is not stable: break ties by position)
  local pos = {}
  for i = 1, #unsatisfied do pos[unsatisfied[i]] = i end
  table.sort(unsatisfied, function(a, b)
    if a.strength ~= b.strength then return a.strength < b.strength end
    return pos[a] < pos[b]
  end)
  return unsatisfied
end

local function chain_test(n)
  local planner = Planner.new()
  local vars = {}
  for i = 0, n do vars[i] = Variable.new() end
  for i = 0, n - 1 do EqualityConstraint.new(vars[i], vars[i + 1], REQUIRED, planner) end
  StayConstraint.new(vars[n], STRONG_DEFAULT, planner)
  local edit = EditConstraint.new(vars[0], PREFERRED, planner)
  local plan = planner:extract_plan_from_constraints({ edit })
  for i = 0, 99 do
    vars[0].value = i
    plan:execute()
    if vars[n].value ~= i then error("Chain test failed") end
  end
  edit:destroy_constraint(planner)
end

local function projection_test(n)
  local planner = Planner.new()
  local scale = Variable.new(10)
  local offset = Variable.new(1000)
  local src, dst
  local dests = {}
  for i = 0, n - 1 do
    src = Variable.new(i)
    dst = Variable.new(i)
    dests[i] = dst
    StayConstraint.new(src, DEFAULT, planner)
    ScaleConstraint.new(src, scale, offset, dst, REQUIRED, planner)
  end
  planner:change(src, 17)
  if dst.value ~= 1170 then error("Projection 1 failed") end
  planner:change(dst, 1050)
  if src.value ~= 5 then error("Projection 2 failed") end
  planner:change(scale, 5)
  for i = 0, n - 2 do
    if dests[i].value ~= i * 5 + 1000 then error("Projection 3 failed") end
  end
  planner:change(offset, 2000)
  for i = 0, n - 2 do
    if dests[i].value ~= i * 5 + 2000 then error("Projection 4 failed") end
  end
end

local iterations = 40
local n = 1000
for _ = 1, iterations do
  chain_test(n)
  projection_test(n)
end
print(string.format("deltablue: true (%d iterations of n = %d, verified)", iterations, n))
