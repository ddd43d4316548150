-- Havlak (Are We Fast Yet), as havlak.mvl: Havlak's loop recognition on a
-- synthetic control-flow graph, with objects as in the original suite. The
-- suite's Set is an array with a linear `contains`; its IdentityDictionary
-- a table keyed by the block.
local UNVISITED = 2147483647
local MAXNONBACKPREDS = 32 * 1024
local BB_TOP, BB_NONHEADER, BB_REDUCIBLE, BB_SELF, BB_IRREDUCIBLE, BB_DEAD, BB_LAST = 0, 1, 2, 3, 4, 5, 6

local function class()
  local c = {}
  c.__index = c
  return c
end

local function set_add(s, x)
  for i = 1, #s do
    if s[i] == x then return end
  end
  s[#s + 1] = x
end

local BasicBlock = class()
function BasicBlock.new(name)
  return setmetatable({ in_edges = {}, out_edges = {}, name = name }, BasicBlock)
end

local ControlFlowGraph = class()
function ControlFlowGraph.new()
  -- basic_block_map is 0-based; size is its length (the suite's Vector.atPut grows it)
  return setmetatable({ start_node = nil, basic_block_map = {}, size = 0, edge_list = {} }, ControlFlowGraph)
end
function ControlFlowGraph:create_node(name)
  local node = self.basic_block_map[name]
  if node == nil then
    node = BasicBlock.new(name)
    self.basic_block_map[name] = node
    if name + 1 > self.size then self.size = name + 1 end
  end
  if self.size == 1 then self.start_node = node end
  return node
end
function ControlFlowGraph:num_nodes() return self.size end

local function basic_block_edge(cfg, from_name, to_name)
  local from = cfg:create_node(from_name)
  local to = cfg:create_node(to_name)
  from.out_edges[#from.out_edges + 1] = to
  to.in_edges[#to.in_edges + 1] = from
  cfg.edge_list[#cfg.edge_list + 1] = { from = from, to = to }
end

local SimpleLoop = class()
function SimpleLoop.new(bb, is_reducible)
  local l = setmetatable({ is_reducible = is_reducible, parent = nil, is_root = false, nesting_level = 0,
                           depth_level = 0, basic_blocks = {}, children = {}, header = bb, counter = 0 }, SimpleLoop)
  if bb ~= nil then l.basic_blocks[1] = bb end
  return l
end
function SimpleLoop:add_node(bb) set_add(self.basic_blocks, bb) end
function SimpleLoop:add_child_loop(loop) set_add(self.children, loop) end
function SimpleLoop:set_parent(parent)
  self.parent = parent
  parent:add_child_loop(self)
end
function SimpleLoop:set_nesting_level(level)
  self.nesting_level = level
  if level == 0 then self.is_root = true end
end

local LoopStructureGraph = class()
function LoopStructureGraph.new()
  local g = setmetatable({ loop_counter = 0, loops = {} }, LoopStructureGraph)
  g.root = SimpleLoop.new(nil, true)
  g.root:set_nesting_level(0)
  g.root.counter = g.loop_counter
  g.loop_counter = g.loop_counter + 1
  g.loops[1] = g.root
  return g
end
function LoopStructureGraph:create_new_loop(bb, is_reducible)
  local loop = SimpleLoop.new(bb, is_reducible)
  loop.counter = self.loop_counter
  self.loop_counter = self.loop_counter + 1
  self.loops[#self.loops + 1] = loop
  return loop
end
function LoopStructureGraph:calculate_nesting_level()
  for _, liter in ipairs(self.loops) do
    if not liter.is_root and liter.parent == nil then liter:set_parent(self.root) end
  end
  self:calculate_nesting_level_rec(self.root, 0)
end
function LoopStructureGraph:calculate_nesting_level_rec(loop, depth)
  loop.depth_level = depth
  for _, liter in ipairs(loop.children) do
    self:calculate_nesting_level_rec(liter, depth + 1)
    loop:set_nesting_level(math.max(loop.nesting_level, 1 + liter.nesting_level))
  end
end
function LoopStructureGraph:num_loops() return #self.loops end

local UnionFindNode = class()
function UnionFindNode.new()
  return setmetatable({ parent = nil, bb = nil, dfs_number = 0, loop = nil }, UnionFindNode)
end
function UnionFindNode:init_node(bb, dfs_number)
  self.parent = self
  self.bb = bb
  self.dfs_number = dfs_number
  self.loop = nil
end
function UnionFindNode:find_set()
  local node_list = {}
  local node = self
  while node ~= node.parent do
    if node.parent ~= node.parent.parent then node_list[#node_list + 1] = node end
    node = node.parent
  end
  -- Path Compression, all nodes' parents point to the 1st level parent.
  for i = 1, #node_list do node_list[i].parent = self.parent end
  return node
end

local HavlakLoopFinder = class()
function HavlakLoopFinder.new(cfg, lsg)
  return setmetatable({ cfg = cfg, lsg = lsg, non_back_preds = {}, back_preds = {}, number = {},
                        max_size = 0, header = nil, type = nil, last = nil, nodes = nil }, HavlakLoopFinder)
end
function HavlakLoopFinder:is_ancestor(w, v)
  return w <= v and v <= self.last[w]
end
function HavlakLoopFinder:do_dfs(current_node, current)
  self.nodes[current]:init_node(current_node, current)
  self.number[current_node] = current
  local last_id = current
  local outer_blocks = current_node.out_edges
  for i = 1, #outer_blocks do
    local target = outer_blocks[i]
    if self.number[target] == UNVISITED then
      last_id = self:do_dfs(target, last_id + 1)
    end
  end
  self.last[current] = last_id
  return last_id
end
function HavlakLoopFinder:init_all_nodes()
  local map = self.cfg.basic_block_map
  for i = 0, self.cfg.size - 1 do self.number[map[i]] = UNVISITED end
  self:do_dfs(self.cfg.start_node, 0)
end
function HavlakLoopFinder:identify_edges(size)
  for w = 0, size - 1 do
    self.header[w] = 0
    self.type[w] = BB_NONHEADER
    local node_w = self.nodes[w].bb
    if node_w == nil then
      self.type[w] = BB_DEAD
    else
      self:process_edges(node_w, w)
    end
  end
end
function HavlakLoopFinder:process_edges(node_w, w)
  local in_edges = node_w.in_edges
  if #in_edges > 0 then
    for i = 1, #in_edges do
      local v = self.number[in_edges[i]]
      if v ~= UNVISITED then
        if self:is_ancestor(w, v) then
          local bp = self.back_preds[w]
          bp[#bp + 1] = v
        else
          set_add(self.non_back_preds[w], v)
        end
      end
    end
  end
end
function HavlakLoopFinder:find_loops()
  if self.cfg.start_node == nil then return end
  local size = self.cfg:num_nodes()
  self.non_back_preds = {}
  self.back_preds = {}
  self.number = {}
  if size > self.max_size then
    self.header = {}
    self.type = {}
    self.last = {}
    self.nodes = {}
    self.max_size = size
  end
  for i = 0, size - 1 do
    self.non_back_preds[i] = {}
    self.back_preds[i] = {}
    self.nodes[i] = UnionFindNode.new()
  end
  self:init_all_nodes()
  self:identify_edges(size)
  self.header[0] = 0

  for w = size - 1, 0, -1 do
    local node_pool = {}
    local node_w = self.nodes[w].bb
    if node_w ~= nil then
      self:step_d(w, node_pool)
      local work_list = {}
      for i = 1, #node_pool do work_list[i] = node_pool[i] end
      local first = 1
      if #node_pool ~= 0 then self.type[w] = BB_REDUCIBLE end
      while first <= #work_list do
        local x = work_list[first]
        first = first + 1
        local non_back_size = #self.non_back_preds[x.dfs_number]
        if non_back_size > MAXNONBACKPREDS then return end
        self:step_e_process_non_back_preds(w, node_pool, work_list, x)
      end
      if #node_pool > 0 or self.type[w] == BB_SELF then
        local loop = self.lsg:create_new_loop(node_w, self.type[w] ~= BB_IRREDUCIBLE)
        self:set_loop_attributes(w, node_pool, loop)
      end
    end
  end
end
function HavlakLoopFinder:step_e_process_non_back_preds(w, node_pool, work_list, x)
  local preds = self.non_back_preds[x.dfs_number]
  for i = 1, #preds do
    local y = self.nodes[preds[i]]
    local ydash = y:find_set()
    if not self:is_ancestor(w, ydash.dfs_number) then
      self.type[w] = BB_IRREDUCIBLE
      set_add(self.non_back_preds[w], ydash.dfs_number)
    elseif ydash.dfs_number ~= w then
      local found = false
      for j = 1, #node_pool do
        if node_pool[j] == ydash then found = true; break end
      end
      if not found then
        work_list[#work_list + 1] = ydash
        node_pool[#node_pool + 1] = ydash
      end
    end
  end
end
function HavlakLoopFinder:set_loop_attributes(w, node_pool, loop)
  self.nodes[w].loop = loop
  for i = 1, #node_pool do
    local node = node_pool[i]
    self.header[node.dfs_number] = w
    node.parent = self.nodes[w]
    if node.loop ~= nil then
      node.loop:set_parent(loop)
    else
      loop:add_node(node.bb)
    end
  end
end
function HavlakLoopFinder:step_d(w, node_pool)
  local bp = self.back_preds[w]
  for i = 1, #bp do
    local v = bp[i]
    if v ~= w then
      node_pool[#node_pool + 1] = self.nodes[v]:find_set()
    else
      self.type[w] = BB_SELF
    end
  end
end

local LoopTesterApp = class()
function LoopTesterApp.new()
  local app = setmetatable({ cfg = ControlFlowGraph.new(), lsg = LoopStructureGraph.new() }, LoopTesterApp)
  app.cfg:create_node(0)
  return app
end
function LoopTesterApp:build_diamond(start)
  local bb0 = start
  basic_block_edge(self.cfg, bb0, bb0 + 1)
  basic_block_edge(self.cfg, bb0, bb0 + 2)
  basic_block_edge(self.cfg, bb0 + 1, bb0 + 3)
  basic_block_edge(self.cfg, bb0 + 2, bb0 + 3)
  return bb0 + 3
end
function LoopTesterApp:build_connect(start, finish)
  basic_block_edge(self.cfg, start, finish)
end
function LoopTesterApp:build_straight(start, n)
  for i = 0, n - 1 do self:build_connect(start + i, start + i + 1) end
  return start + n
end
function LoopTesterApp:build_base_loop(from)
  local header = self:build_straight(from, 1)
  local diamond1 = self:build_diamond(header)
  local d11 = self:build_straight(diamond1, 1)
  local diamond2 = self:build_diamond(d11)
  local footer = self:build_straight(diamond2, 1)
  self:build_connect(diamond2, d11)
  self:build_connect(diamond1, header)
  self:build_connect(footer, from)
  return self:build_straight(footer, 1)
end
function LoopTesterApp:main(num_dummy_loops, find_loop_iterations, par_loops, ppar_loops, pppar_loops)
  self:construct_simple_cfg()
  self:add_dummy_loops(num_dummy_loops)
  self:construct_cfg(par_loops, ppar_loops, pppar_loops)
  self:find_loops(self.lsg)
  for _ = 1, find_loop_iterations do
    self:find_loops(LoopStructureGraph.new())
  end
  self.lsg:calculate_nesting_level()
  return self.lsg:num_loops(), self.cfg:num_nodes()
end
function LoopTesterApp:construct_cfg(par_loops, ppar_loops, pppar_loops)
  local n = 2
  for _ = 1, par_loops do
    self.cfg:create_node(n + 1)
    self:build_connect(2, n + 1)
    n = n + 1
    for _ = 1, ppar_loops do
      local top = n
      n = self:build_straight(n, 1)
      for _ = 1, pppar_loops do n = self:build_base_loop(n) end
      local bottom = self:build_straight(n, 1)
      self:build_connect(n, top)
      n = bottom
    end
    self:build_connect(n, 1)
  end
end
function LoopTesterApp:add_dummy_loops(num_dummy_loops)
  for _ = 1, num_dummy_loops do self:find_loops(self.lsg) end
end
function LoopTesterApp:find_loops(loop_structure)
  HavlakLoopFinder.new(self.cfg, loop_structure):find_loops()
end
function LoopTesterApp:construct_simple_cfg()
  self.cfg:create_node(0)
  self:build_base_loop(0)
  self.cfg:create_node(1)
  basic_block_edge(self.cfg, 0, 2)
end

local iterations = 1
local inner = 1500
local loops, nodes
for _ = 1, iterations do
  loops, nodes = LoopTesterApp.new():main(inner, 50, 10, 10, 5)
  if not (loops == 6102 and nodes == 5213) then
    print(string.format("havlak: FAILED, got %d loops, %d nodes", loops, nodes))
    os.exit(1)
  end
end
print(string.format("havlak: %d loops, %d nodes (%d iterations of %d, verified)", loops, nodes, iterations, inner))
