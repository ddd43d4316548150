# DeltaBlue (Are We Fast Yet), as deltablue.mvl: the incremental constraint
# solver, with objects as in the original suite.
import sys

# Strengths: a smaller value is stronger.
ABSOLUTE_STRONGEST = -10000
REQUIRED = -800
STRONG_PREFERRED = -600
PREFERRED = -400
STRONG_DEFAULT = -200
DEFAULT = 0
WEAK_DEFAULT = 500
ABSOLUTE_WEAKEST = 10000

NONE, FORWARD, BACKWARD = 0, 1, 2


def stronger(a, b):
    return a < b


def weaker(a, b):
    return a > b


def weakest(a, b):
    return b if weaker(b, a) else a


class Queue:
    """A Vector with an O(1) removeFirst, as the suite's Vector."""
    __slots__ = ("items", "first")

    def __init__(self, items=None):
        self.items = items if items is not None else []
        self.first = 0

    def append(self, x):
        self.items.append(x)

    def is_empty(self):
        return self.first >= len(self.items)

    def remove_first(self):
        x = self.items[self.first]
        self.first += 1
        return x


class Variable:
    def __init__(self, value=0):
        self.value = value
        self.constraints = []
        self.determined_by = None
        self.walk_strength = ABSOLUTE_WEAKEST
        self.stay = True
        self.mark = 0

    def add_constraint(self, c):
        self.constraints.append(c)

    def remove_constraint(self, c):
        # the suite's Vector.remove: the first occurrence, if any
        for i, x in enumerate(self.constraints):
            if x is c:
                del self.constraints[i]
                break
        if self.determined_by is c:
            self.determined_by = None


class AbstractConstraint:
    def __init__(self, strength):
        self.strength = strength

    def is_input(self):
        return False

    def add_constraint(self, planner):
        self.add_to_graph()
        planner.incremental_add(self)

    def destroy_constraint(self, planner):
        if self.is_satisfied():
            planner.incremental_remove(self)
        self.remove_from_graph()

    def inputs_known(self, mark):
        return not self.inputs_has_one(
            lambda v: not (v.mark == mark or v.stay or v.determined_by is None))

    def satisfy(self, mark, planner):
        self.choose_method(mark)
        if not self.is_satisfied():
            if self.strength == REQUIRED:
                raise RuntimeError("Could not satisfy a required constraint")
            return None
        self.mark_inputs(mark)
        out = self.output()
        overridden = out.determined_by
        if overridden is not None:
            overridden.mark_unsatisfied()
        out.determined_by = self
        if not planner.add_propagate(self, mark):
            raise RuntimeError("Cycle encountered")
        out.mark = mark
        return overridden


class UnaryConstraint(AbstractConstraint):
    def __init__(self, v, strength, planner):
        super().__init__(strength)
        self.my_output = v
        self.satisfied = False
        self.add_constraint(planner)

    def add_to_graph(self):
        self.my_output.add_constraint(self)
        self.satisfied = False

    def remove_from_graph(self):
        if self.my_output is not None:
            self.my_output.remove_constraint(self)
        self.satisfied = False

    def choose_method(self, mark):
        self.satisfied = (self.my_output.mark != mark
                          and stronger(self.strength, self.my_output.walk_strength))

    def is_satisfied(self):
        return self.satisfied

    def mark_inputs(self, mark):
        pass

    def output(self):
        return self.my_output

    def recalculate(self):
        self.my_output.walk_strength = self.strength
        self.my_output.stay = not self.is_input()
        if self.my_output.stay:
            self.execute()

    def mark_unsatisfied(self):
        self.satisfied = False

    def inputs_has_one(self, fn):
        return False

    def execute(self):
        pass


class EditConstraint(UnaryConstraint):
    def is_input(self):
        return True


class StayConstraint(UnaryConstraint):
    pass


class BinaryConstraint(AbstractConstraint):
    def __init__(self, var1, var2, strength):
        super().__init__(strength)
        self.v1 = var1
        self.v2 = var2
        self.direction = NONE

    def is_satisfied(self):
        return self.direction != NONE

    def add_to_graph(self):
        self.v1.add_constraint(self)
        self.v2.add_constraint(self)
        self.direction = NONE

    def remove_from_graph(self):
        if self.v1 is not None:
            self.v1.remove_constraint(self)
        if self.v2 is not None:
            self.v2.remove_constraint(self)
        self.direction = NONE

    def choose_method(self, mark):
        if self.v1.mark == mark:
            if self.v2.mark != mark and stronger(self.strength, self.v2.walk_strength):
                self.direction = FORWARD
            else:
                self.direction = NONE
            return
        if self.v2.mark == mark:
            if self.v1.mark != mark and stronger(self.strength, self.v1.walk_strength):
                self.direction = BACKWARD
            else:
                self.direction = NONE
            return
        # If we get here, neither variable is marked, so we have a choice.
        if weaker(self.v1.walk_strength, self.v2.walk_strength):
            if stronger(self.strength, self.v1.walk_strength):
                self.direction = BACKWARD
            else:
                self.direction = NONE
        else:
            if stronger(self.strength, self.v2.walk_strength):
                self.direction = FORWARD
            else:
                self.direction = BACKWARD

    def mark_unsatisfied(self):
        self.direction = NONE

    def input(self):
        return self.v1 if self.direction == FORWARD else self.v2

    def output(self):
        return self.v2 if self.direction == FORWARD else self.v1

    def inputs_has_one(self, fn):
        return fn(self.input())

    def mark_inputs(self, mark):
        self.input().mark = mark

    def recalculate(self):
        ihn = self.input()
        out = self.output()
        out.walk_strength = weakest(self.strength, ihn.walk_strength)
        out.stay = ihn.stay
        if out.stay:
            self.execute()


class EqualityConstraint(BinaryConstraint):
    def __init__(self, var1, var2, strength, planner):
        super().__init__(var1, var2, strength)
        self.add_constraint(planner)

    def execute(self):
        if self.direction == FORWARD:
            self.v2.value = self.v1.value
        else:
            self.v1.value = self.v2.value


class ScaleConstraint(BinaryConstraint):
    def __init__(self, src, scale, offset, dest, strength, planner):
        super().__init__(src, dest, strength)
        self.scale = scale
        self.offset = offset
        self.add_constraint(planner)

    def add_to_graph(self):
        self.v1.add_constraint(self)
        self.v2.add_constraint(self)
        self.scale.add_constraint(self)
        self.offset.add_constraint(self)
        self.direction = NONE

    def remove_from_graph(self):
        if self.v1 is not None:
            self.v1.remove_constraint(self)
        if self.v2 is not None:
            self.v2.remove_constraint(self)
        if self.scale is not None:
            self.scale.remove_constraint(self)
        if self.offset is not None:
            self.offset.remove_constraint(self)
        self.direction = NONE

    def inputs_has_one(self, fn):
        return fn(self.input()) or fn(self.scale) or fn(self.offset)

    def mark_inputs(self, mark):
        self.input().mark = mark
        self.scale.mark = mark
        self.offset.mark = mark

    def execute(self):
        if self.direction == FORWARD:
            self.v2.value = self.v1.value * self.scale.value + self.offset.value
        else:
            self.v1.value = (self.v2.value - self.offset.value) // self.scale.value

    def recalculate(self):
        ihn = self.input()
        out = self.output()
        out.walk_strength = weakest(self.strength, ihn.walk_strength)
        out.stay = ihn.stay and self.scale.stay and self.offset.stay
        if out.stay:
            self.execute()


class Planner:
    def __init__(self):
        self.current_mark = 1

    def incremental_add(self, c):
        mark = self.new_mark()
        overridden = c.satisfy(mark, self)
        while overridden is not None:
            overridden = overridden.satisfy(mark, self)

    def incremental_remove(self, c):
        out = c.output()
        c.mark_unsatisfied()
        c.remove_from_graph()
        unsatisfied = self.remove_propagate_from(out)
        for u in unsatisfied:
            self.incremental_add(u)

    def add_propagate(self, c, mark):
        todo = Queue([c])
        while not todo.is_empty():
            d = todo.remove_first()
            if d.output().mark == mark:
                self.incremental_remove(c)
                return False
            d.recalculate()
            self.add_constraints_consuming_to(d.output(), todo)
        return True

    def change(self, v, new_value):
        edit = EditConstraint(v, PREFERRED, self)
        plan = self.extract_plan_from_constraints([edit])
        for _ in range(10):
            v.value = new_value
            plan.execute()
        edit.destroy_constraint(self)

    def constraints_consuming(self, v, fn):
        determining_c = v.determined_by
        for c in v.constraints:
            if c is not determining_c and c.is_satisfied():
                fn(c)

    def add_constraints_consuming_to(self, v, coll):
        determining_c = v.determined_by
        for c in v.constraints:
            if c is not determining_c and c.is_satisfied():
                coll.append(c)

    def extract_plan_from_constraints(self, constraints):
        sources = Queue()
        for c in constraints:
            if c.is_input() and c.is_satisfied():
                sources.append(c)
        return self.make_plan(sources)

    def make_plan(self, sources):
        mark = self.new_mark()
        plan = Plan()
        todo = sources
        while not todo.is_empty():
            c = todo.remove_first()
            if c.output().mark != mark and c.inputs_known(mark):
                plan.append(c)
                c.output().mark = mark
                self.add_constraints_consuming_to(c.output(), todo)
        return plan

    def new_mark(self):
        self.current_mark += 1
        return self.current_mark

    def remove_propagate_from(self, out):
        unsatisfied = []
        out.determined_by = None
        out.walk_strength = ABSOLUTE_WEAKEST
        out.stay = True
        todo = Queue([out])
        while not todo.is_empty():
            v = todo.remove_first()
            for c in v.constraints:
                if not c.is_satisfied():
                    unsatisfied.append(c)

            def consume(c):
                c.recalculate()
                todo.append(c.output())
            self.constraints_consuming(v, consume)
        unsatisfied.sort(key=lambda c: c.strength)  # stable: strongest first
        return unsatisfied


class Plan:
    def __init__(self):
        self.items = []

    def append(self, c):
        self.items.append(c)

    def execute(self):
        for c in self.items:
            c.execute()


def chain_test(n):
    planner = Planner()
    variables = [Variable() for _ in range(n + 1)]
    for i in range(n):
        EqualityConstraint(variables[i], variables[i + 1], REQUIRED, planner)
    StayConstraint(variables[n], STRONG_DEFAULT, planner)
    edit = EditConstraint(variables[0], PREFERRED, planner)
    plan = planner.extract_plan_from_constraints([edit])
    for i in range(100):
        variables[0].value = i
        plan.execute()
        if variables[n].value != i:
            raise RuntimeError("Chain test failed")
    edit.destroy_constraint(planner)


def projection_test(n):
    planner = Planner()
    scale = Variable(10)
    offset = Variable(1000)
    src = dst = None
    dests = []
    for i in range(n):
        src = Variable(i)
        dst = Variable(i)
        dests.append(dst)
        StayConstraint(src, DEFAULT, planner)
        ScaleConstraint(src, scale, offset, dst, REQUIRED, planner)
    planner.change(src, 17)
    if dst.value != 1170:
        raise RuntimeError("Projection 1 failed")
    planner.change(dst, 1050)
    if src.value != 5:
        raise RuntimeError("Projection 2 failed")
    planner.change(scale, 5)
    for i in range(n - 1):
        if dests[i].value != i * 5 + 1000:
            raise RuntimeError("Projection 3 failed")
    planner.change(offset, 2000)
    for i in range(n - 1):
        if dests[i].value != i * 5 + 2000:
            raise RuntimeError("Projection 4 failed")


iterations = 40
n = 1000
for _ in range(iterations):
    chain_test(n)
    projection_test(n)
print(f"deltablue: true ({iterations} iterations of n = {n}, verified)")
