-- Richards (Are We Fast Yet), as richards.mvl, with objects as in the
-- original suite: tasks and packets are tables, each task's function a
-- closure over the scheduler. (LuaJIT variant: the bit library for the bit operators.)
local IDLER, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = 0, 1, 2, 3, 4, 5
local NUM_TYPES = 6
local DEVICE_PACKET_KIND, WORK_PACKET_KIND = 0, 1
local DATA_SIZE = 4
local NO_TASK, NO_WORK = nil, nil

-- Packet
local Packet = {}
Packet.__index = Packet
function Packet.new(link, identity, kind)
  local data = {}
  for i = 1, DATA_SIZE do data[i] = 0 end
  return setmetatable({ link = link, identity = identity, kind = kind, datum = 0, data = data }, Packet)
end
function Packet:add_to(queue)
  self.link = NO_WORK
  if queue == NO_WORK then return self end
  local next_packet = queue
  local peek = next_packet.link
  while peek ~= NO_WORK do
    next_packet = peek
    peek = next_packet.link
  end
  next_packet.link = self
  return queue
end

-- TaskState / TaskControlBlock
local Tcb = {}
Tcb.__index = Tcb
function Tcb.new(link, identity, priority, initial_work_queue, pending, waiting, holding, handle, fn)
  return setmetatable({
    link = link, identity = identity, priority = priority, input = initial_work_queue,
    packet_pending = pending, task_waiting = waiting, task_holding = holding,
    handle = handle, fn = fn,
  }, Tcb)
end
function Tcb:running() self.packet_pending = false; self.task_waiting = false; self.task_holding = false end
function Tcb:set_packet_pending() self.packet_pending = true; self.task_waiting = false; self.task_holding = false end
function Tcb:is_task_holding_or_waiting()
  return self.task_holding or (not self.packet_pending and self.task_waiting)
end
function Tcb:is_waiting_with_packet()
  return self.packet_pending and self.task_waiting and not self.task_holding
end
function Tcb:add_input_and_check_priority(packet, old_task)
  if self.input == NO_WORK then
    self.input = packet
    self.packet_pending = true
    if self.priority > old_task.priority then return self end
  else
    self.input = packet:add_to(self.input)
  end
  return old_task
end
function Tcb:run_task()
  local message
  if self:is_waiting_with_packet() then
    message = self.input
    self.input = message.link
    if self.input == NO_WORK then self:running() else self:set_packet_pending() end
  else
    message = NO_WORK
  end
  return self.fn(message, self.handle)
end

-- Scheduler
local Scheduler = {}
Scheduler.__index = Scheduler
function Scheduler.new()
  local table_ = {}
  for i = 0, NUM_TYPES - 1 do table_[i] = NO_TASK end
  return setmetatable({
    task_list = NO_TASK, current_task = NO_TASK, current_task_identity = 0,
    task_table = table_, queue_packet_count = 0, hold_count = 0,
  }, Scheduler)
end

function Scheduler:create_task(identity, priority, work, pending, waiting, holding, fn, data)
  local t = Tcb.new(self.task_list, identity, priority, work, pending, waiting, holding, data, fn)
  self.task_list = t
  self.task_table[identity] = t
end

function Scheduler:add_device_task(identity, priority, work, pending, waiting, holding)
  self:create_task(identity, priority, work, pending, waiting, holding, function(work_arg, data_record)
    local function_work = work_arg
    if function_work == NO_WORK then
      function_work = data_record.pending
      if function_work == NO_WORK then
        return self:mark_waiting()
      else
        data_record.pending = NO_WORK
        return self:queue_packet(function_work)
      end
    else
      data_record.pending = function_work
      return self:hold_self()
    end
  end, { pending = NO_WORK })
end

function Scheduler:add_handler_task(identity, priority, work, pending, waiting, holding)
  self:create_task(identity, priority, work, pending, waiting, holding, function(work_arg, data_record)
    if work_arg ~= NO_WORK then
      if work_arg.kind == WORK_PACKET_KIND then
        data_record.work_in = work_arg:add_to(data_record.work_in)
      else
        data_record.device_in = work_arg:add_to(data_record.device_in)
      end
    end
    local work_packet = data_record.work_in
    if work_packet == NO_WORK then
      return self:mark_waiting()
    else
      local count = work_packet.datum
      if count >= DATA_SIZE then
        data_record.work_in = work_packet.link
        return self:queue_packet(work_packet)
      else
        local device_packet = data_record.device_in
        if device_packet == NO_WORK then
          return self:mark_waiting()
        else
          data_record.device_in = device_packet.link
          device_packet.datum = work_packet.data[count + 1]
          work_packet.datum = count + 1
          return self:queue_packet(device_packet)
        end
      end
    end
  end, { work_in = NO_WORK, device_in = NO_WORK })
end

function Scheduler:add_idle_task(identity, priority, work)
  -- created running
  self:create_task(identity, priority, work, false, false, false, function(_, data_record)
    data_record.count = data_record.count - 1
    if data_record.count == 0 then return self:hold_self() end
    if bit.band(data_record.control, 1) == 0 then
      data_record.control = bit.rshift(data_record.control, 1)
      return self:release(DEVICE_A)
    else
      data_record.control = bit.bxor(bit.rshift(data_record.control, 1), 53256)
      return self:release(DEVICE_B)
    end
  end, { control = 1, count = 10000 })
end

function Scheduler:add_worker_task(identity, priority, work, pending, waiting, holding)
  self:create_task(identity, priority, work, pending, waiting, holding, function(work_arg, data_record)
    if work_arg == NO_WORK then return self:mark_waiting() end
    if data_record.destination == HANDLER_A then
      data_record.destination = HANDLER_B
    else
      data_record.destination = HANDLER_A
    end
    work_arg.identity = data_record.destination
    work_arg.datum = 0
    local data = work_arg.data
    for i = 1, DATA_SIZE do
      data_record.count = data_record.count + 1
      if data_record.count > 26 then data_record.count = 1 end
      data[i] = 65 + data_record.count - 1
    end
    return self:queue_packet(work_arg)
  end, { destination = HANDLER_A, count = 0 })
end

function Scheduler:find_task(identity)
  local t = self.task_table[identity]
  if t == NO_TASK then error("findTask failed") end
  return t
end

function Scheduler:hold_self()
  self.hold_count = self.hold_count + 1
  self.current_task.task_holding = true
  return self.current_task.link
end

function Scheduler:queue_packet(packet)
  local t = self:find_task(packet.identity)
  if t == NO_TASK then return NO_TASK end
  self.queue_packet_count = self.queue_packet_count + 1
  packet.link = NO_WORK
  packet.identity = self.current_task_identity
  return t:add_input_and_check_priority(packet, self.current_task)
end

function Scheduler:mark_waiting()
  self.current_task.task_waiting = true
  return self.current_task
end

function Scheduler:release(identity)
  local t = self:find_task(identity)
  if t == NO_TASK then return NO_TASK end
  t.task_holding = false
  if t.priority > self.current_task.priority then return t end
  return self.current_task
end

function Scheduler:schedule()
  self.current_task = self.task_list
  while self.current_task ~= NO_TASK do
    if self.current_task:is_task_holding_or_waiting() then
      self.current_task = self.current_task.link
    else
      self.current_task_identity = self.current_task.identity
      self.current_task = self.current_task:run_task()
    end
  end
end

function Scheduler:start()
  self:add_idle_task(IDLER, 0, NO_WORK)
  local work_q = Packet.new(NO_WORK, WORKER, WORK_PACKET_KIND)
  work_q = Packet.new(work_q, WORKER, WORK_PACKET_KIND)
  self:add_worker_task(WORKER, 1000, work_q, true, true, false)

  work_q = Packet.new(NO_WORK, DEVICE_A, DEVICE_PACKET_KIND)
  work_q = Packet.new(work_q, DEVICE_A, DEVICE_PACKET_KIND)
  work_q = Packet.new(work_q, DEVICE_A, DEVICE_PACKET_KIND)
  self:add_handler_task(HANDLER_A, 2000, work_q, true, true, false)

  work_q = Packet.new(NO_WORK, DEVICE_B, DEVICE_PACKET_KIND)
  work_q = Packet.new(work_q, DEVICE_B, DEVICE_PACKET_KIND)
  work_q = Packet.new(work_q, DEVICE_B, DEVICE_PACKET_KIND)
  self:add_handler_task(HANDLER_B, 3000, work_q, true, true, false)

  self:add_device_task(DEVICE_A, 4000, NO_WORK, false, true, false)
  self:add_device_task(DEVICE_B, 5000, NO_WORK, false, true, false)

  self:schedule()
  return self.queue_packet_count == 23246 and self.hold_count == 9297
end

local iterations = 30
local result = false
for _ = 1, iterations do
  result = Scheduler.new():start()
  if not result then print("richards: FAILED, got false"); os.exit(1) end
end
print(string.format("richards: %s (%d iterations, verified)", tostring(result), iterations))
