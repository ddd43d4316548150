-- Json (Are We Fast Yet), as json.mvl: the suite's minimal-json parser over
-- this suite's own 12 KB document. (LuaJIT variant: the bit library for `&`.)
local HashIndexTable = {}
HashIndexTable.__index = HashIndexTable
function HashIndexTable.new()
  local t = {}
  for i = 1, 32 do t[i] = 0 end
  return setmetatable({ hash_table = t }, HashIndexTable)
end
local function string_hash(s)
  -- this is not a proper hash, but sufficient for the benchmark,
  -- and very portable!
  return #s * 1402589
end
function HashIndexTable:hash_slot_for(element)
  return bit.band(string_hash(element), 31) + 1
end
function HashIndexTable:add(name, index)
  local slot = self:hash_slot_for(name)
  if index < 255 then
    self.hash_table[slot] = bit.band(index + 1, 255)
  else
    self.hash_table[slot] = 0
  end
end
function HashIndexTable:get(name)
  local slot = self:hash_slot_for(name)
  return bit.band(self.hash_table[slot], 255) - 1
end

local JsonObject = { is_object = true }
JsonObject.__index = JsonObject
function JsonObject.new()
  return setmetatable({ names = {}, values = {}, table = HashIndexTable.new() }, JsonObject)
end
function JsonObject:add(name, value)
  self.table:add(name, #self.names)
  self.names[#self.names + 1] = name
  self.values[#self.values + 1] = value
end
function JsonObject:index_of(name)
  local index = self.table:get(name)
  if index ~= -1 and name == self.names[index + 1] then return index end
  for i = #self.names, 1, -1 do
    if self.names[i] == name then return i - 1 end
  end
  return -1
end
function JsonObject:get(name)
  local index = self:index_of(name)
  if index == -1 then return nil end
  return self.values[index + 1]
end

local JsonArray = { is_array = true }
JsonArray.__index = JsonArray
function JsonArray.new() return setmetatable({ values = {} }, JsonArray) end
function JsonArray:add(value) self.values[#self.values + 1] = value end
function JsonArray:size() return #self.values end

local JsonString = { is_string = true }
JsonString.__index = JsonString
function JsonString.new(s) return setmetatable({ string = s }, JsonString) end

local JsonNumber = { is_number = true }
JsonNumber.__index = JsonNumber
function JsonNumber.new(s) return setmetatable({ string = s }, JsonNumber) end

local JsonLiteral = {}
JsonLiteral.__index = JsonLiteral
local NULL = setmetatable({ value = "null", is_null = true }, JsonLiteral)
local TRUE = setmetatable({ value = "true", is_true = true }, JsonLiteral)
local FALSE = setmetatable({ value = "false", is_false = true }, JsonLiteral)

local Parser = {}
Parser.__index = Parser
function Parser.new(input)
  return setmetatable({ input = input, index = 0, current = nil, capture_buffer = "", capture_start = -1 }, Parser)
end

function Parser:parse()
  self:read()
  self:skip_white_space()
  local result = self:read_value()
  self:skip_white_space()
  if not self:is_end_of_text() then self:error("Unexpected character") end
  return result
end

function Parser:read_value()
  local c = self.current
  if c == "n" then return self:read_null()
  elseif c == "t" then return self:read_true()
  elseif c == "f" then return self:read_false()
  elseif c == '"' then return self:read_string()
  elseif c == "[" then return self:read_array()
  elseif c == "{" then return self:read_object()
  elseif c == "-" or (c ~= nil and c >= "0" and c <= "9") then return self:read_number()
  else return self:expected("value") end
end

function Parser:read_array()
  self:read()
  local array = JsonArray.new()
  self:skip_white_space()
  if self:read_char("]") then return array end
  repeat
    self:skip_white_space()
    array:add(self:read_value())
    self:skip_white_space()
  until not self:read_char(",")
  if not self:read_char("]") then return self:expected("',' or ']'") end
  return array
end

function Parser:read_object()
  self:read()
  local object = JsonObject.new()
  self:skip_white_space()
  if self:read_char("}") then return object end
  repeat
    self:skip_white_space()
    local name = self:read_name()
    self:skip_white_space()
    if not self:read_char(":") then return self:expected("':'") end
    self:skip_white_space()
    object:add(name, self:read_value())
    self:skip_white_space()
  until not self:read_char(",")
  if not self:read_char("}") then return self:expected("',' or '}'") end
  return object
end

function Parser:read_name()
  if self.current ~= '"' then return self:expected("name") end
  return self:read_string_internal()
end

function Parser:read_null()
  self:read()
  self:read_required_char("u")
  self:read_required_char("l")
  self:read_required_char("l")
  return NULL
end

function Parser:read_true()
  self:read()
  self:read_required_char("r")
  self:read_required_char("u")
  self:read_required_char("e")
  return TRUE
end

function Parser:read_false()
  self:read()
  self:read_required_char("a")
  self:read_required_char("l")
  self:read_required_char("s")
  self:read_required_char("e")
  return FALSE
end

function Parser:read_required_char(ch)
  if not self:read_char(ch) then self:expected("'" .. ch .. "'") end
end

function Parser:read_string()
  return JsonString.new(self:read_string_internal())
end

function Parser:read_string_internal()
  self:read()
  self:start_capture()
  while self.current ~= '"' do
    local c = self.current
    if c == "\\" then
      self:pause_capture()
      self:read_escape()
      self.capture_start = self.index - 1
    elseif c == nil or c < " " then
      return self:expected("valid string character")
    else
      self:read()
    end
  end
  local string = self:end_capture()
  self:read()
  return string
end

function Parser:read_escape()
  self:read()
  local c = self.current
  if c == '"' or c == "/" or c == "\\" then self.capture_buffer = self.capture_buffer .. c
  elseif c == "b" then self.capture_buffer = self.capture_buffer .. "\b"
  elseif c == "f" then self.capture_buffer = self.capture_buffer .. "\f"
  elseif c == "n" then self.capture_buffer = self.capture_buffer .. "\n"
  elseif c == "r" then self.capture_buffer = self.capture_buffer .. "\r"
  elseif c == "t" then self.capture_buffer = self.capture_buffer .. "\t"
  else self:expected("valid escape sequence") end
  self:read()
end

function Parser:read_number()
  self:start_capture()
  self:read_char("-")
  local first_digit = self.current
  if not self:read_digit() then return self:expected("digit") end
  if first_digit ~= "0" then
    while self:read_digit() do end
  end
  self:read_fraction()
  self:read_exponent()
  return JsonNumber.new(self:end_capture())
end

function Parser:read_fraction()
  if not self:read_char(".") then return false end
  if not self:read_digit() then return self:expected("digit") end
  while self:read_digit() do end
  return true
end

function Parser:read_exponent()
  if not self:read_char("e") and not self:read_char("E") then return false end
  if not self:read_char("+") then self:read_char("-") end
  if not self:read_digit() then return self:expected("digit") end
  while self:read_digit() do end
  return true
end

function Parser:read_char(ch)
  if self.current ~= ch then return false end
  self:read()
  return true
end

function Parser:read_digit()
  if not self:is_digit() then return false end
  self:read()
  return true
end

function Parser:skip_white_space()
  while self:is_white_space() do self:read() end
end

function Parser:read()
  local i = self.index + 1
  self.index = i
  if i <= #self.input then
    self.current = string.sub(self.input, i, i)
  else
    self.current = nil
  end
end

function Parser:start_capture()
  self.capture_start = self.index - 1
end

function Parser:pause_capture()
  local e = self.current == nil and self.index or self.index - 1
  self.capture_buffer = self.capture_buffer .. string.sub(self.input, self.capture_start + 1, e)
  self.capture_start = -1
end

function Parser:end_capture()
  local e = self.current == nil and self.index or self.index - 1
  local captured
  if self.capture_buffer == "" then
    captured = string.sub(self.input, self.capture_start + 1, e)
  else
    captured = self.capture_buffer .. string.sub(self.input, self.capture_start + 1, e)
    self.capture_buffer = ""
  end
  self.capture_start = -1
  return captured
end

function Parser:is_white_space()
  local c = self.current
  return c == " " or c == "\t" or c == "\n" or c == "\r"
end

function Parser:is_digit()
  local c = self.current
  return c ~= nil and c >= "0" and c <= "9"
end

function Parser:is_end_of_text()
  return self.current == nil
end

function Parser:expected(what)
  if self:is_end_of_text() then return self:error("Unexpected end of input") end
  return self:error("Expected " .. what)
end

function Parser:error(message)
  error(message .. " at " .. (self.index - 1))
end

local function verify(result)
  if not result.is_object then return false end
  local head = result:get("head")
  if not (head and head.is_object) then return false end
  local ops = result:get("operations")
  if not (ops and ops.is_array) then return false end
  return ops:size() == 156
end

local input = table.concat({
  "{\"head\":{\"requestCounter\":4,\"cid\":\"a1b2c3\",\"url\":\"http://example.org/rap?x=1&y=2\"},\"operations\":[",
  "[\"create\",\"w0\",\"rwt.widgets.Login\",{\"parent\":\"w0\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[0,0,100,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w1\",{\"text\":\"Hello \\\"screen\\\" \\\\ \\/\\t1\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w2\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w3\",\"setScale\",{\"ratio\":0.0045000000000000005,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w4\",{\"items\":[\"panel0\",\"panel1\",\"panel2\",\"panel3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w5\"],",
  "[\"create\",\"w6\",\"rwt.widgets.Item\",{\"parent\":\"w2\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[6,12,106,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w7\",{\"text\":\"Hello \\\"menu\\\" \\\\ \\/\\t7\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w8\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w9\",\"setScale\",{\"ratio\":0.0135,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w10\",{\"items\":[\"login0\",\"login1\",\"login2\",\"login3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w11\"],",
  "[\"create\",\"w12\",\"rwt.widgets.Button\",{\"parent\":\"w4\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[12,24,112,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w13\",{\"text\":\"Hello \\\"label\\\" \\\\ \\/\\t13\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w14\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w15\",\"setScale\",{\"ratio\":0.0225,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w16\",{\"items\":[\"item0\",\"item1\",\"item2\",\"item3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w17\"],",
  "[\"create\",\"w18\",\"rwt.widgets.Text\",{\"parent\":\"w6\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[18,36,118,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w19\",{\"text\":\"Hello \\\"image\\\" \\\\ \\/\\t19\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w20\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w21\",\"setScale\",{\"ratio\":0.0315,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w22\",{\"items\":[\"button0\",\"button1\",\"button2\",\"button3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w23\"],",
  "[\"create\",\"w24\",\"rwt.widgets.Panel\",{\"parent\":\"w8\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[24,48,124,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w25\",{\"text\":\"Hello \\\"list\\\" \\\\ \\/\\t25\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w26\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w27\",\"setScale\",{\"ratio\":0.0405,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w28\",{\"items\":[\"text0\",\"text1\",\"text2\",\"text3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w29\"],",
  "[\"create\",\"w30\",\"rwt.widgets.Login\",{\"parent\":\"w10\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[30,60,130,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w31\",{\"text\":\"Hello \\\"screen\\\" \\\\ \\/\\t31\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w32\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w33\",\"setScale\",{\"ratio\":0.0495,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w34\",{\"items\":[\"panel0\",\"panel1\",\"panel2\",\"panel3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w35\"],",
  "[\"create\",\"w36\",\"rwt.widgets.Item\",{\"parent\":\"w12\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[36,72,136,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w37\",{\"text\":\"Hello \\\"menu\\\" \\\\ \\/\\t37\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w38\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w39\",\"setScale\",{\"ratio\":0.0585,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w40\",{\"items\":[\"login0\",\"login1\",\"login2\",\"login3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w41\"],",
  "[\"create\",\"w42\",\"rwt.widgets.Button\",{\"parent\":\"w14\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[42,84,142,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w43\",{\"text\":\"Hello \\\"label\\\" \\\\ \\/\\t43\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w44\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w45\",\"setScale\",{\"ratio\":0.0675,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w46\",{\"items\":[\"item0\",\"item1\",\"item2\",\"item3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w47\"],",
  "[\"create\",\"w48\",\"rwt.widgets.Text\",{\"parent\":\"w16\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[48,96,148,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w49\",{\"text\":\"Hello \\\"image\\\" \\\\ \\/\\t49\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w50\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w51\",\"setScale\",{\"ratio\":0.0765,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w52\",{\"items\":[\"button0\",\"button1\",\"button2\",\"button3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w53\"],",
  "[\"create\",\"w54\",\"rwt.widgets.Panel\",{\"parent\":\"w18\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[54,108,154,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w55\",{\"text\":\"Hello \\\"list\\\" \\\\ \\/\\t55\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w56\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w57\",\"setScale\",{\"ratio\":0.0855,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w58\",{\"items\":[\"text0\",\"text1\",\"text2\",\"text3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w59\"],",
  "[\"create\",\"w60\",\"rwt.widgets.Login\",{\"parent\":\"w20\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[60,120,160,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w61\",{\"text\":\"Hello \\\"screen\\\" \\\\ \\/\\t61\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w62\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w63\",\"setScale\",{\"ratio\":0.0945,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w64\",{\"items\":[\"panel0\",\"panel1\",\"panel2\",\"panel3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w65\"],",
  "[\"create\",\"w66\",\"rwt.widgets.Item\",{\"parent\":\"w22\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[66,132,166,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w67\",{\"text\":\"Hello \\\"menu\\\" \\\\ \\/\\t67\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w68\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w69\",\"setScale\",{\"ratio\":0.10350000000000001,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w70\",{\"items\":[\"login0\",\"login1\",\"login2\",\"login3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w71\"],",
  "[\"create\",\"w72\",\"rwt.widgets.Button\",{\"parent\":\"w24\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[72,144,172,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w73\",{\"text\":\"Hello \\\"label\\\" \\\\ \\/\\t73\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w74\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w75\",\"setScale\",{\"ratio\":0.1125,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w76\",{\"items\":[\"item0\",\"item1\",\"item2\",\"item3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w77\"],",
  "[\"create\",\"w78\",\"rwt.widgets.Text\",{\"parent\":\"w26\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[78,156,178,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w79\",{\"text\":\"Hello \\\"image\\\" \\\\ \\/\\t79\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w80\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w81\",\"setScale\",{\"ratio\":0.1215,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w82\",{\"items\":[\"button0\",\"button1\",\"button2\",\"button3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w83\"],",
  "[\"create\",\"w84\",\"rwt.widgets.Panel\",{\"parent\":\"w28\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[84,168,184,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w85\",{\"text\":\"Hello \\\"list\\\" \\\\ \\/\\t85\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w86\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w87\",\"setScale\",{\"ratio\":0.1305,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w88\",{\"items\":[\"text0\",\"text1\",\"text2\",\"text3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w89\"],",
  "[\"create\",\"w90\",\"rwt.widgets.Login\",{\"parent\":\"w30\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[90,180,190,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w91\",{\"text\":\"Hello \\\"screen\\\" \\\\ \\/\\t91\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w92\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w93\",\"setScale\",{\"ratio\":0.1395,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w94\",{\"items\":[\"panel0\",\"panel1\",\"panel2\",\"panel3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w95\"],",
  "[\"create\",\"w96\",\"rwt.widgets.Item\",{\"parent\":\"w32\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[96,192,196,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w97\",{\"text\":\"Hello \\\"menu\\\" \\\\ \\/\\t97\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w98\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w99\",\"setScale\",{\"ratio\":0.1485,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w100\",{\"items\":[\"login0\",\"login1\",\"login2\",\"login3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w101\"],",
  "[\"create\",\"w102\",\"rwt.widgets.Button\",{\"parent\":\"w34\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[102,204,202,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w103\",{\"text\":\"Hello \\\"label\\\" \\\\ \\/\\t103\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w104\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w105\",\"setScale\",{\"ratio\":0.1575,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w106\",{\"items\":[\"item0\",\"item1\",\"item2\",\"item3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w107\"],",
  "[\"create\",\"w108\",\"rwt.widgets.Text\",{\"parent\":\"w36\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[108,216,208,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w109\",{\"text\":\"Hello \\\"image\\\" \\\\ \\/\\t109\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w110\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w111\",\"setScale\",{\"ratio\":0.1665,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w112\",{\"items\":[\"button0\",\"button1\",\"button2\",\"button3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w113\"],",
  "[\"create\",\"w114\",\"rwt.widgets.Panel\",{\"parent\":\"w38\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[114,228,214,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w115\",{\"text\":\"Hello \\\"list\\\" \\\\ \\/\\t115\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w116\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w117\",\"setScale\",{\"ratio\":0.17550000000000002,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w118\",{\"items\":[\"text0\",\"text1\",\"text2\",\"text3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w119\"],",
  "[\"create\",\"w120\",\"rwt.widgets.Login\",{\"parent\":\"w40\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[120,240,220,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w121\",{\"text\":\"Hello \\\"screen\\\" \\\\ \\/\\t121\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w122\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w123\",\"setScale\",{\"ratio\":0.1845,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w124\",{\"items\":[\"panel0\",\"panel1\",\"panel2\",\"panel3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w125\"],",
  "[\"create\",\"w126\",\"rwt.widgets.Item\",{\"parent\":\"w42\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[126,252,226,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w127\",{\"text\":\"Hello \\\"menu\\\" \\\\ \\/\\t127\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w128\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w129\",\"setScale\",{\"ratio\":0.1935,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w130\",{\"items\":[\"login0\",\"login1\",\"login2\",\"login3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w131\"],",
  "[\"create\",\"w132\",\"rwt.widgets.Button\",{\"parent\":\"w44\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[132,264,232,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w133\",{\"text\":\"Hello \\\"label\\\" \\\\ \\/\\t133\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w134\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w135\",\"setScale\",{\"ratio\":0.2025,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w136\",{\"items\":[\"item0\",\"item1\",\"item2\",\"item3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w137\"],",
  "[\"create\",\"w138\",\"rwt.widgets.Text\",{\"parent\":\"w46\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[138,276,238,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w139\",{\"text\":\"Hello \\\"image\\\" \\\\ \\/\\t139\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w140\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w141\",\"setScale\",{\"ratio\":0.2115,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w142\",{\"items\":[\"button0\",\"button1\",\"button2\",\"button3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w143\"],",
  "[\"create\",\"w144\",\"rwt.widgets.Panel\",{\"parent\":\"w48\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[144,288,244,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w145\",{\"text\":\"Hello \\\"list\\\" \\\\ \\/\\t145\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w146\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w147\",\"setScale\",{\"ratio\":0.2205,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w148\",{\"items\":[\"text0\",\"text1\",\"text2\",\"text3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w149\"],",
  "[\"create\",\"w150\",\"rwt.widgets.Login\",{\"parent\":\"w50\",\"style\":[\"BORDER\",\"FLAT\"],\"bounds\":[150,300,250,25],\"tabIndex\":-1,\"visible\":true}],",
  "[\"set\",\"w151\",{\"text\":\"Hello \\\"screen\\\" \\\\ \\/\\t151\",\"enabled\":false,\"image\":null}],",
  "[\"listen\",\"w152\",{\"Selection\":true,\"Modify\":false,\"DefaultSelection\":true}],",
  "[\"call\",\"w153\",\"setScale\",{\"ratio\":0.2295,\"offset\":-12.25,\"factor\":6.02e+23}],",
  "[\"set\",\"w154\",{\"items\":[\"panel0\",\"panel1\",\"panel2\",\"panel3\"],\"selectionIndices\":[0,2],\"topIndex\":0}],",
  "[\"destroy\",\"w155\"]",
  "]}"
})

local iterations = 250
local result = false
for _ = 1, iterations do
  result = verify(Parser.new(input):parse())
  if not result then print("json: FAILED, got false"); os.exit(1) end
end
print(string.format("json: %s (%d iterations, verified)", tostring(result), iterations))
