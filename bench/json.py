# Json (Are We Fast Yet), as json.mvl: the suite's minimal-json parser over
# this suite's own 12 KB document.
import sys


def string_hash(s):
    # this is not a proper hash, but sufficient for the benchmark,
    # and very portable!
    return len(s) * 1402589


class HashIndexTable:
    def __init__(self):
        self.hash_table = [0] * 32

    def add(self, name, index):
        slot = self.hash_slot_for(name)
        if index < 255:
            self.hash_table[slot] = (index + 1) & 255
        else:
            self.hash_table[slot] = 0

    def get(self, name):
        slot = self.hash_slot_for(name)
        return (self.hash_table[slot] & 255) - 1

    def hash_slot_for(self, element):
        return string_hash(element) & 31


class JsonValue:
    def is_object(self):
        return False

    def is_array(self):
        return False


class JsonObject(JsonValue):
    def __init__(self):
        self.names = []
        self.values = []
        self.table = HashIndexTable()

    def is_object(self):
        return True

    def add(self, name, value):
        self.table.add(name, len(self.names))
        self.names.append(name)
        self.values.append(value)

    def get(self, name):
        index = self.index_of(name)
        return None if index == -1 else self.values[index]

    def index_of(self, name):
        index = self.table.get(name)
        if index != -1 and name == self.names[index]:
            return index
        for i in range(len(self.names) - 1, -1, -1):
            if self.names[i] == name:
                return i
        return -1


class JsonArray(JsonValue):
    def __init__(self):
        self.values = []

    def is_array(self):
        return True

    def add(self, value):
        self.values.append(value)

    def size(self):
        return len(self.values)


class JsonString(JsonValue):
    def __init__(self, s):
        self.string = s


class JsonNumber(JsonValue):
    def __init__(self, s):
        self.string = s


class JsonLiteral(JsonValue):
    def __init__(self, value):
        self.value = value


NULL = JsonLiteral("null")
TRUE = JsonLiteral("true")
FALSE = JsonLiteral("false")


class ParseException(Exception):
    pass


class Parser:
    def __init__(self, string):
        self.input = string
        self.index = 0
        self.current = None
        self.capture_buffer = ""
        self.capture_start = -1

    def parse(self):
        self.read()
        self.skip_white_space()
        result = self.read_value()
        self.skip_white_space()
        if not self.is_end_of_text():
            self.error("Unexpected character")
        return result

    def read_value(self):
        c = self.current
        if c == "n":
            return self.read_null()
        if c == "t":
            return self.read_true()
        if c == "f":
            return self.read_false()
        if c == '"':
            return self.read_string()
        if c == "[":
            return self.read_array()
        if c == "{":
            return self.read_object()
        if c == "-" or (c is not None and "0" <= c <= "9"):
            return self.read_number()
        return self.expected("value")

    def read_array(self):
        self.read()
        array = JsonArray()
        self.skip_white_space()
        if self.read_char("]"):
            return array
        while True:
            self.skip_white_space()
            array.add(self.read_value())
            self.skip_white_space()
            if not self.read_char(","):
                break
        if not self.read_char("]"):
            return self.expected("',' or ']'")
        return array

    def read_object(self):
        self.read()
        obj = JsonObject()
        self.skip_white_space()
        if self.read_char("}"):
            return obj
        while True:
            self.skip_white_space()
            name = self.read_name()
            self.skip_white_space()
            if not self.read_char(":"):
                return self.expected("':'")
            self.skip_white_space()
            obj.add(name, self.read_value())
            self.skip_white_space()
            if not self.read_char(","):
                break
        if not self.read_char("}"):
            return self.expected("',' or '}'")
        return obj

    def read_name(self):
        if self.current != '"':
            return self.expected("name")
        return self.read_string_internal()

    def read_null(self):
        self.read()
        self.read_required_char("u")
        self.read_required_char("l")
        self.read_required_char("l")
        return NULL

    def read_true(self):
        self.read()
        self.read_required_char("r")
        self.read_required_char("u")
        self.read_required_char("e")
        return TRUE

    def read_false(self):
        self.read()
        self.read_required_char("a")
        self.read_required_char("l")
        self.read_required_char("s")
        self.read_required_char("e")
        return FALSE

    def read_required_char(self, ch):
        if not self.read_char(ch):
            self.expected("'" + ch + "'")

    def read_string(self):
        return JsonString(self.read_string_internal())

    def read_string_internal(self):
        self.read()
        self.start_capture()
        while self.current != '"':
            c = self.current
            if c == "\\":
                self.pause_capture()
                self.read_escape()
                self.capture_start = self.index - 1
            elif c is None or c < " ":
                return self.expected("valid string character")
            else:
                self.read()
        string = self.end_capture()
        self.read()
        return string

    def read_escape(self):
        self.read()
        c = self.current
        if c in ('"', "/", "\\"):
            self.capture_buffer += c
        elif c == "b":
            self.capture_buffer += "\b"
        elif c == "f":
            self.capture_buffer += "\f"
        elif c == "n":
            self.capture_buffer += "\n"
        elif c == "r":
            self.capture_buffer += "\r"
        elif c == "t":
            self.capture_buffer += "\t"
        else:
            self.expected("valid escape sequence")
        self.read()

    def read_number(self):
        self.start_capture()
        self.read_char("-")
        first_digit = self.current
        if not self.read_digit():
            return self.expected("digit")
        if first_digit != "0":
            while self.read_digit():
                pass
        self.read_fraction()
        self.read_exponent()
        return JsonNumber(self.end_capture())

    def read_fraction(self):
        if not self.read_char("."):
            return False
        if not self.read_digit():
            return self.expected("digit")
        while self.read_digit():
            pass
        return True

    def read_exponent(self):
        if not self.read_char("e") and not self.read_char("E"):
            return False
        if not self.read_char("+"):
            self.read_char("-")
        if not self.read_digit():
            return self.expected("digit")
        while self.read_digit():
            pass
        return True

    def read_char(self, ch):
        if self.current != ch:
            return False
        self.read()
        return True

    def read_digit(self):
        if not self.is_digit():
            return False
        self.read()
        return True

    def skip_white_space(self):
        while self.is_white_space():
            self.read()

    def read(self):
        if self.index < len(self.input):
            self.current = self.input[self.index]
        else:
            self.current = None
        self.index += 1

    def start_capture(self):
        self.capture_start = self.index - 1

    def pause_capture(self):
        end = self.index if self.current is None else self.index - 1
        self.capture_buffer += self.input[self.capture_start:end]
        self.capture_start = -1

    def end_capture(self):
        end = self.index if self.current is None else self.index - 1
        if self.capture_buffer == "":
            captured = self.input[self.capture_start:end]
        else:
            captured = self.capture_buffer + self.input[self.capture_start:end]
            self.capture_buffer = ""
        self.capture_start = -1
        return captured

    def is_white_space(self):
        c = self.current
        return c == " " or c == "\t" or c == "\n" or c == "\r"

    def is_digit(self):
        c = self.current
        return c is not None and "0" <= c <= "9"

    def is_end_of_text(self):
        return self.current is None

    def expected(self, what):
        if self.is_end_of_text():
            return self.error("Unexpected end of input")
        return self.error("Expected " + what)

    def error(self, message):
        raise ParseException(f"{message} at {self.index - 1}")


def verify(result):
    if not result.is_object():
        return False
    head = result.get("head")
    if head is None or not head.is_object():
        return False
    ops = result.get("operations")
    if ops is None or not ops.is_array():
        return False
    return ops.size() == 156


INPUT = "".join([
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
])

iterations = 250
result = False
for _ in range(iterations):
    result = verify(Parser(INPUT).parse())
    if not result:
        print("json: FAILED, got false")
        sys.exit(1)
print(f"json: {'true' if result else 'false'} ({iterations} iterations, verified)")
