# Havlak (Are We Fast Yet), as havlak.mvl: Havlak's loop recognition on a
# synthetic control-flow graph, with objects as in the original suite. The
# suite's Set is a list with a linear `contains`; its IdentityDictionary a
# dict.
import sys

UNVISITED = 2147483647
MAXNONBACKPREDS = 32 * 1024
BB_TOP, BB_NONHEADER, BB_REDUCIBLE, BB_SELF, BB_IRREDUCIBLE, BB_DEAD, BB_LAST = 0, 1, 2, 3, 4, 5, 6


class BasicBlock:
    def __init__(self, name):
        self.in_edges = []
        self.out_edges = []
        self.name = name


class BasicBlockEdge:
    def __init__(self, cfg, from_name, to_name):
        self.frm = cfg.create_node(from_name)
        self.to = cfg.create_node(to_name)
        self.frm.out_edges.append(self.to)
        self.to.in_edges.append(self.frm)
        cfg.edge_list.append(self)


class ControlFlowGraph:
    def __init__(self):
        self.start_node = None
        self.basic_block_map = []
        self.edge_list = []

    def create_node(self, name):
        if name < len(self.basic_block_map) and self.basic_block_map[name] is not None:
            node = self.basic_block_map[name]
        else:
            node = BasicBlock(name)
            # the suite's Vector.atPut grows the vector
            while len(self.basic_block_map) <= name:
                self.basic_block_map.append(None)
            self.basic_block_map[name] = node
        if self.num_nodes() == 1:
            self.start_node = node
        return node

    def num_nodes(self):
        return len(self.basic_block_map)


class SimpleLoop:
    def __init__(self, bb, is_reducible):
        self.is_reducible = is_reducible
        self.parent = None
        self.is_root = False
        self.nesting_level = 0
        self.depth_level = 0
        self.basic_blocks = []  # an identity set
        self.children = []      # an identity set
        if bb is not None:
            self.basic_blocks.append(bb)
        self.header = bb
        self.counter = 0

    def add_node(self, bb):
        if not any(b is bb for b in self.basic_blocks):
            self.basic_blocks.append(bb)

    def add_child_loop(self, loop):
        if not any(c is loop for c in self.children):
            self.children.append(loop)

    def set_parent(self, parent):
        self.parent = parent
        parent.add_child_loop(self)

    def set_nesting_level(self, level):
        self.nesting_level = level
        if level == 0:
            self.is_root = True


class LoopStructureGraph:
    def __init__(self):
        self.loop_counter = 0
        self.loops = []
        self.root = SimpleLoop(None, True)
        self.root.set_nesting_level(0)
        self.root.counter = self.loop_counter
        self.loop_counter += 1
        self.loops.append(self.root)

    def create_new_loop(self, bb, is_reducible):
        loop = SimpleLoop(bb, is_reducible)
        loop.counter = self.loop_counter
        self.loop_counter += 1
        self.loops.append(loop)
        return loop

    def calculate_nesting_level(self):
        for liter in self.loops:
            if not liter.is_root and liter.parent is None:
                liter.set_parent(self.root)
        self.calculate_nesting_level_rec(self.root, 0)

    def calculate_nesting_level_rec(self, loop, depth):
        loop.depth_level = depth
        for liter in loop.children:
            self.calculate_nesting_level_rec(liter, depth + 1)
            loop.set_nesting_level(max(loop.nesting_level, 1 + liter.nesting_level))

    def num_loops(self):
        return len(self.loops)


class UnionFindNode:
    __slots__ = ("parent", "bb", "dfs_number", "loop")

    def __init__(self):
        self.parent = None
        self.bb = None
        self.dfs_number = 0
        self.loop = None

    def init_node(self, bb, dfs_number):
        self.parent = self
        self.bb = bb
        self.dfs_number = dfs_number
        self.loop = None

    def find_set(self):
        node_list = []
        node = self
        while node is not node.parent:
            if node.parent is not node.parent.parent:
                node_list.append(node)
            node = node.parent
        # Path Compression, all nodes' parents point to the 1st level parent.
        for it in node_list:
            it.parent = self.parent
        return node


class HavlakLoopFinder:
    def __init__(self, cfg, lsg):
        self.cfg = cfg
        self.lsg = lsg
        self.non_back_preds = []
        self.back_preds = []
        self.number = {}
        self.max_size = 0
        self.header = None
        self.type = None
        self.last = None
        self.nodes = None

    def is_ancestor(self, w, v):
        return w <= v <= self.last[w]

    def do_dfs(self, current_node, current):
        self.nodes[current].init_node(current_node, current)
        self.number[current_node] = current
        last_id = current
        for target in current_node.out_edges:
            if self.number[target] == UNVISITED:
                last_id = self.do_dfs(target, last_id + 1)
        self.last[current] = last_id
        return last_id

    def init_all_nodes(self):
        for bb in self.cfg.basic_block_map:
            self.number[bb] = UNVISITED
        self.do_dfs(self.cfg.start_node, 0)

    def identify_edges(self, size):
        for w in range(size):
            self.header[w] = 0
            self.type[w] = BB_NONHEADER
            node_w = self.nodes[w].bb
            if node_w is None:
                self.type[w] = BB_DEAD
            else:
                self.process_edges(node_w, w)

    def process_edges(self, node_w, w):
        if len(node_w.in_edges) > 0:
            for node_v in node_w.in_edges:
                v = self.number[node_v]
                if v != UNVISITED:
                    if self.is_ancestor(w, v):
                        self.back_preds[w].append(v)
                    else:
                        s = self.non_back_preds[w]
                        if v not in s:
                            s.append(v)

    def find_loops(self):
        if self.cfg.start_node is None:
            return
        size = self.cfg.num_nodes()
        self.non_back_preds = []
        self.back_preds = []
        self.number = {}
        if size > self.max_size:
            self.header = [0] * size
            self.type = [0] * size
            self.last = [0] * size
            self.nodes = [None] * size
            self.max_size = size
        for i in range(size):
            self.non_back_preds.append([])
            self.back_preds.append([])
            self.nodes[i] = UnionFindNode()
        self.init_all_nodes()
        self.identify_edges(size)
        self.header[0] = 0

        for w in range(size - 1, -1, -1):
            node_pool = []
            node_w = self.nodes[w].bb
            if node_w is not None:
                self.step_d(w, node_pool)
                work_list = list(node_pool)
                first = 0
                if len(node_pool) != 0:
                    self.type[w] = BB_REDUCIBLE
                while first < len(work_list):
                    x = work_list[first]
                    first += 1
                    non_back_size = len(self.non_back_preds[x.dfs_number])
                    if non_back_size > MAXNONBACKPREDS:
                        return
                    self.step_e_process_non_back_preds(w, node_pool, work_list, x)
                if len(node_pool) > 0 or self.type[w] == BB_SELF:
                    loop = self.lsg.create_new_loop(node_w, self.type[w] != BB_IRREDUCIBLE)
                    self.set_loop_attributes(w, node_pool, loop)

    def step_e_process_non_back_preds(self, w, node_pool, work_list, x):
        for it in self.non_back_preds[x.dfs_number]:
            y = self.nodes[it]
            ydash = y.find_set()
            if not self.is_ancestor(w, ydash.dfs_number):
                self.type[w] = BB_IRREDUCIBLE
                s = self.non_back_preds[w]
                if ydash.dfs_number not in s:
                    s.append(ydash.dfs_number)
            elif ydash.dfs_number != w:
                if not any(e is ydash for e in node_pool):
                    work_list.append(ydash)
                    node_pool.append(ydash)

    def set_loop_attributes(self, w, node_pool, loop):
        self.nodes[w].loop = loop
        for node in node_pool:
            self.header[node.dfs_number] = w
            node.parent = self.nodes[w]
            if node.loop is not None:
                node.loop.set_parent(loop)
            else:
                loop.add_node(node.bb)

    def step_d(self, w, node_pool):
        for v in self.back_preds[w]:
            if v != w:
                node_pool.append(self.nodes[v].find_set())
            else:
                self.type[w] = BB_SELF


class LoopTesterApp:
    def __init__(self):
        self.cfg = ControlFlowGraph()
        self.lsg = LoopStructureGraph()
        self.cfg.create_node(0)

    def build_diamond(self, start):
        bb0 = start
        BasicBlockEdge(self.cfg, bb0, bb0 + 1)
        BasicBlockEdge(self.cfg, bb0, bb0 + 2)
        BasicBlockEdge(self.cfg, bb0 + 1, bb0 + 3)
        BasicBlockEdge(self.cfg, bb0 + 2, bb0 + 3)
        return bb0 + 3

    def build_connect(self, start, end):
        BasicBlockEdge(self.cfg, start, end)

    def build_straight(self, start, n):
        for i in range(n):
            self.build_connect(start + i, start + i + 1)
        return start + n

    def build_base_loop(self, frm):
        header = self.build_straight(frm, 1)
        diamond1 = self.build_diamond(header)
        d11 = self.build_straight(diamond1, 1)
        diamond2 = self.build_diamond(d11)
        footer = self.build_straight(diamond2, 1)
        self.build_connect(diamond2, d11)
        self.build_connect(diamond1, header)
        self.build_connect(footer, frm)
        return self.build_straight(footer, 1)

    def main(self, num_dummy_loops, find_loop_iterations, par_loops, ppar_loops, pppar_loops):
        self.construct_simple_cfg()
        self.add_dummy_loops(num_dummy_loops)
        self.construct_cfg(par_loops, ppar_loops, pppar_loops)
        self.find_loops(self.lsg)
        for _ in range(find_loop_iterations):
            self.find_loops(LoopStructureGraph())
        self.lsg.calculate_nesting_level()
        return self.lsg.num_loops(), self.cfg.num_nodes()

    def construct_cfg(self, par_loops, ppar_loops, pppar_loops):
        n = 2
        for _ in range(par_loops):
            self.cfg.create_node(n + 1)
            self.build_connect(2, n + 1)
            n += 1
            for _ in range(ppar_loops):
                top = n
                n = self.build_straight(n, 1)
                for _ in range(pppar_loops):
                    n = self.build_base_loop(n)
                bottom = self.build_straight(n, 1)
                self.build_connect(n, top)
                n = bottom
            self.build_connect(n, 1)

    def add_dummy_loops(self, num_dummy_loops):
        for _ in range(num_dummy_loops):
            self.find_loops(self.lsg)

    def find_loops(self, loop_structure):
        HavlakLoopFinder(self.cfg, loop_structure).find_loops()

    def construct_simple_cfg(self):
        self.cfg.create_node(0)
        self.build_base_loop(0)
        self.cfg.create_node(1)
        BasicBlockEdge(self.cfg, 0, 2)


sys.setrecursionlimit(100000)
iterations = 1
inner = 1500
for _ in range(iterations):
    loops, nodes = LoopTesterApp().main(inner, 50, 10, 10, 5)
    if not (loops == 6102 and nodes == 5213):
        print(f"havlak: FAILED, got {loops} loops, {nodes} nodes")
        sys.exit(1)
print(f"havlak: {loops} loops, {nodes} nodes ({iterations} iterations of {inner}, verified)")
