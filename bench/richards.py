# Richards (Are We Fast Yet), as richards.mvl, with objects as in the
# original suite: tasks and packets are objects, each task's function a
# closure over the scheduler.
import sys

IDLER, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = 0, 1, 2, 3, 4, 5
NUM_TYPES = 6
DEVICE_PACKET_KIND, WORK_PACKET_KIND = 0, 1
DATA_SIZE = 4
NO_TASK = NO_WORK = None


class Packet:
    __slots__ = ("link", "identity", "kind", "datum", "data")

    def __init__(self, link, identity, kind):
        self.link = link
        self.identity = identity
        self.kind = kind
        self.datum = 0
        self.data = [0] * DATA_SIZE

    def add_to(self, queue):
        self.link = NO_WORK
        if queue is NO_WORK:
            return self
        next_packet = queue
        peek = next_packet.link
        while peek is not NO_WORK:
            next_packet = peek
            peek = next_packet.link
        next_packet.link = self
        return queue


class Record:
    def __init__(self, **fields):
        self.__dict__.update(fields)


class TaskControlBlock:
    __slots__ = ("link", "identity", "priority", "input", "packet_pending",
                 "task_waiting", "task_holding", "handle", "fn")

    def __init__(self, link, identity, priority, initial_work_queue, pending, waiting, holding, handle, fn):
        self.link = link
        self.identity = identity
        self.priority = priority
        self.input = initial_work_queue
        self.packet_pending = pending
        self.task_waiting = waiting
        self.task_holding = holding
        self.handle = handle
        self.fn = fn

    def is_task_holding_or_waiting(self):
        return self.task_holding or (not self.packet_pending and self.task_waiting)

    def is_waiting_with_packet(self):
        return self.packet_pending and self.task_waiting and not self.task_holding

    def add_input_and_check_priority(self, packet, old_task):
        if self.input is NO_WORK:
            self.input = packet
            self.packet_pending = True
            if self.priority > old_task.priority:
                return self
        else:
            self.input = packet.add_to(self.input)
        return old_task

    def run_task(self):
        if self.is_waiting_with_packet():
            message = self.input
            self.input = message.link
            if self.input is NO_WORK:
                self.packet_pending = False
                self.task_waiting = False
                self.task_holding = False
            else:
                self.packet_pending = True
                self.task_waiting = False
                self.task_holding = False
        else:
            message = NO_WORK
        return self.fn(message, self.handle)


class Scheduler:
    def __init__(self):
        self.task_list = NO_TASK
        self.current_task = NO_TASK
        self.current_task_identity = 0
        self.task_table = [NO_TASK] * NUM_TYPES
        self.queue_packet_count = 0
        self.hold_count = 0

    def create_task(self, identity, priority, work, pending, waiting, holding, fn, data):
        t = TaskControlBlock(self.task_list, identity, priority, work, pending, waiting, holding, data, fn)
        self.task_list = t
        self.task_table[identity] = t

    def add_device_task(self, identity, priority, work, pending, waiting, holding):
        def fn(work_arg, data_record):
            function_work = work_arg
            if function_work is NO_WORK:
                function_work = data_record.pending
                if function_work is NO_WORK:
                    return self.mark_waiting()
                data_record.pending = NO_WORK
                return self.queue_packet(function_work)
            data_record.pending = function_work
            return self.hold_self()
        self.create_task(identity, priority, work, pending, waiting, holding, fn, Record(pending=NO_WORK))

    def add_handler_task(self, identity, priority, work, pending, waiting, holding):
        def fn(work_arg, data_record):
            if work_arg is not NO_WORK:
                if work_arg.kind == WORK_PACKET_KIND:
                    data_record.work_in = work_arg.add_to(data_record.work_in)
                else:
                    data_record.device_in = work_arg.add_to(data_record.device_in)
            work_packet = data_record.work_in
            if work_packet is NO_WORK:
                return self.mark_waiting()
            count = work_packet.datum
            if count >= DATA_SIZE:
                data_record.work_in = work_packet.link
                return self.queue_packet(work_packet)
            device_packet = data_record.device_in
            if device_packet is NO_WORK:
                return self.mark_waiting()
            data_record.device_in = device_packet.link
            device_packet.datum = work_packet.data[count]
            work_packet.datum = count + 1
            return self.queue_packet(device_packet)
        self.create_task(identity, priority, work, pending, waiting, holding, fn,
                         Record(work_in=NO_WORK, device_in=NO_WORK))

    def add_idle_task(self, identity, priority, work):
        def fn(_, data_record):
            data_record.count -= 1
            if data_record.count == 0:
                return self.hold_self()
            if (data_record.control & 1) == 0:
                data_record.control = data_record.control >> 1
                return self.release(DEVICE_A)
            data_record.control = (data_record.control >> 1) ^ 53256
            return self.release(DEVICE_B)
        # created running
        self.create_task(identity, priority, work, False, False, False, fn, Record(control=1, count=10000))

    def add_worker_task(self, identity, priority, work, pending, waiting, holding):
        def fn(work_arg, data_record):
            if work_arg is NO_WORK:
                return self.mark_waiting()
            if data_record.destination == HANDLER_A:
                data_record.destination = HANDLER_B
            else:
                data_record.destination = HANDLER_A
            work_arg.identity = data_record.destination
            work_arg.datum = 0
            data = work_arg.data
            for i in range(DATA_SIZE):
                data_record.count += 1
                if data_record.count > 26:
                    data_record.count = 1
                data[i] = 65 + data_record.count - 1
            return self.queue_packet(work_arg)
        self.create_task(identity, priority, work, pending, waiting, holding, fn,
                         Record(destination=HANDLER_A, count=0))

    def find_task(self, identity):
        t = self.task_table[identity]
        if t is NO_TASK:
            raise RuntimeError("findTask failed")
        return t

    def hold_self(self):
        self.hold_count += 1
        self.current_task.task_holding = True
        return self.current_task.link

    def queue_packet(self, packet):
        t = self.find_task(packet.identity)
        if t is NO_TASK:
            return NO_TASK
        self.queue_packet_count += 1
        packet.link = NO_WORK
        packet.identity = self.current_task_identity
        return t.add_input_and_check_priority(packet, self.current_task)

    def mark_waiting(self):
        self.current_task.task_waiting = True
        return self.current_task

    def release(self, identity):
        t = self.find_task(identity)
        if t is NO_TASK:
            return NO_TASK
        t.task_holding = False
        if t.priority > self.current_task.priority:
            return t
        return self.current_task

    def schedule(self):
        self.current_task = self.task_list
        while self.current_task is not NO_TASK:
            if self.current_task.is_task_holding_or_waiting():
                self.current_task = self.current_task.link
            else:
                self.current_task_identity = self.current_task.identity
                self.current_task = self.current_task.run_task()

    def start(self):
        self.add_idle_task(IDLER, 0, NO_WORK)
        work_q = Packet(NO_WORK, WORKER, WORK_PACKET_KIND)
        work_q = Packet(work_q, WORKER, WORK_PACKET_KIND)
        self.add_worker_task(WORKER, 1000, work_q, True, True, False)

        work_q = Packet(NO_WORK, DEVICE_A, DEVICE_PACKET_KIND)
        work_q = Packet(work_q, DEVICE_A, DEVICE_PACKET_KIND)
        work_q = Packet(work_q, DEVICE_A, DEVICE_PACKET_KIND)
        self.add_handler_task(HANDLER_A, 2000, work_q, True, True, False)

        work_q = Packet(NO_WORK, DEVICE_B, DEVICE_PACKET_KIND)
        work_q = Packet(work_q, DEVICE_B, DEVICE_PACKET_KIND)
        work_q = Packet(work_q, DEVICE_B, DEVICE_PACKET_KIND)
        self.add_handler_task(HANDLER_B, 3000, work_q, True, True, False)

        self.add_device_task(DEVICE_A, 4000, NO_WORK, False, True, False)
        self.add_device_task(DEVICE_B, 5000, NO_WORK, False, True, False)

        self.schedule()
        return self.queue_packet_count == 23246 and self.hold_count == 9297


iterations = 30
result = False
for _ in range(iterations):
    result = Scheduler().start()
    if not result:
        print("richards: FAILED, got false")
        sys.exit(1)
print(f"richards: {'true' if result else 'false'} ({iterations} iterations, verified)")
