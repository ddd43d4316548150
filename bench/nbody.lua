-- NBody (Are We Fast Yet), as nbody.mvl.
local PI = 3.141592653589793
local SOLAR_MASS = 4 * PI * PI
local DAYS_PER_YEAR = 365.24

local function body(x, y, z, vx, vy, vz, mass)
  return { x = x, y = y, z = z,
           vx = vx * DAYS_PER_YEAR, vy = vy * DAYS_PER_YEAR, vz = vz * DAYS_PER_YEAR,
           mass = mass * SOLAR_MASS }
end

local function create_bodies()
  local jupiter = body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
    1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
    9.54791938424326609e-04)
  local saturn = body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
    -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
    2.85885980666130812e-04)
  local uranus = body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
    2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
    4.36624404335156298e-05)
  local neptune = body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
    2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
    5.15138902046611451e-05)
  local sun = body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
  local bodies = { sun, jupiter, saturn, uranus, neptune }
  local px, py, pz = 0.0, 0.0, 0.0
  for _, b in ipairs(bodies) do
    px = px + b.vx * b.mass
    py = py + b.vy * b.mass
    pz = pz + b.vz * b.mass
  end
  sun.vx = 0.0 - (px / SOLAR_MASS)
  sun.vy = 0.0 - (py / SOLAR_MASS)
  sun.vz = 0.0 - (pz / SOLAR_MASS)
  return bodies
end

local function advance(bodies, dt)
  local n = #bodies
  for i = 1, n do
    local bi = bodies[i]
    for j = i + 1, n do
      local bj = bodies[j]
      local dx = bi.x - bj.x
      local dy = bi.y - bj.y
      local dz = bi.z - bj.z
      local d_squared = dx * dx + dy * dy + dz * dz
      local distance = math.sqrt(d_squared)
      local mag = dt / (d_squared * distance)
      bi.vx = bi.vx - (dx * bj.mass * mag)
      bi.vy = bi.vy - (dy * bj.mass * mag)
      bi.vz = bi.vz - (dz * bj.mass * mag)
      bj.vx = bj.vx + (dx * bi.mass * mag)
      bj.vy = bj.vy + (dy * bi.mass * mag)
      bj.vz = bj.vz + (dz * bi.mass * mag)
    end
  end
  for i = 1, n do
    local b = bodies[i]
    b.x = b.x + dt * b.vx
    b.y = b.y + dt * b.vy
    b.z = b.z + dt * b.vz
  end
end

local function energy(bodies)
  local e = 0.0
  local n = #bodies
  for i = 1, n do
    local bi = bodies[i]
    e = e + 0.5 * bi.mass * (bi.vx * bi.vx + bi.vy * bi.vy + bi.vz * bi.vz)
    for j = i + 1, n do
      local bj = bodies[j]
      local dx = bi.x - bj.x
      local dy = bi.y - bj.y
      local dz = bi.z - bj.z
      local distance = math.sqrt(dx * dx + dy * dy + dz * dz)
      e = e - (bi.mass * bj.mass) / distance
    end
  end
  return e
end

-- The shortest text that reads back as x, as MVL and Python print Floats.
local function shortest(x)
  for p = 1, 17 do
    local s = string.format("%." .. p .. "g", x)
    if tonumber(s) == x then return s end
  end
end

local steps = 250000
local bodies = create_bodies()
for _ = 1, steps do advance(bodies, 0.01) end
local result = energy(bodies)
if result ~= -0.1690859889909308 then print("nbody: FAILED, got " .. shortest(result)); os.exit(1) end
print(string.format("nbody: %s (%d steps, verified)", shortest(result), steps))
