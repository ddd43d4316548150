# Bounce (Are We Fast Yet), as bounce.mvl.
import sys


class Random:
    def __init__(self):
        self.seed = 74755

    def next(self):
        self.seed = ((self.seed * 1309) + 13849) & 65535
        return self.seed


class Ball:
    def __init__(self, random):
        self.x = random.next() % 500
        self.y = random.next() % 500
        self.x_vel = (random.next() % 300) - 150
        self.y_vel = (random.next() % 300) - 150

    def bounce(self):
        x_limit = y_limit = 500
        bounced = False
        self.x += self.x_vel
        self.y += self.y_vel
        if self.x > x_limit:
            self.x = x_limit
            self.x_vel = 0 - abs(self.x_vel)
            bounced = True
        if self.x < 0:
            self.x = 0
            self.x_vel = abs(self.x_vel)
            bounced = True
        if self.y > y_limit:
            self.y = y_limit
            self.y_vel = 0 - abs(self.y_vel)
            bounced = True
        if self.y < 0:
            self.y = 0
            self.y_vel = abs(self.y_vel)
            bounced = True
        return bounced


def benchmark():
    random = Random()
    ball_count = 100
    bounces = 0
    balls = [Ball(random) for _ in range(ball_count)]
    for _ in range(50):
        for ball in balls:
            if ball.bounce():
                bounces += 1
    return bounces


iterations = 1000
result = 0
for _ in range(iterations):
    result = benchmark()
    if result != 1331:
        print(f"bounce: FAILED, got {result}")
        sys.exit(1)
print(f"bounce: {result} ({iterations} iterations, verified)")
