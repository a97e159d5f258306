"""Draw the demo scene: a parked car that a pedestrian splits into three visible fragments.

Writes ``images/image.jpg`` and ``images/car_masks/car_0{1,2,3}.png`` (one PNG per fragment, grey,
values 0 and 255, ordered left to right). Everything is drawn with OpenCV from fixed shapes and a
seeded random generator, so running it again gives the same files:

    .venv/bin/python images/generate_demo.py
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

HEIGHT, WIDTH = 720, 1280
HORIZON_Y = 390
IMAGES_DIR = Path(__file__).resolve().parent
BGR = tuple  # colours are (blue, green, red), as OpenCV draws them

CAR_BODY = np.array(
    [
        (318, 478),
        (322, 432),
        (352, 412),
        (470, 398),
        (548, 332),
        (610, 322),
        (770, 322),
        (842, 392),
        (930, 404),
        (964, 426),
        (968, 470),
        (956, 500),
        (318, 500),
    ],
    dtype=np.int32,
)
CAR_WINDOWS = [
    np.array([(500, 400), (560, 342), (640, 336), (640, 400)], dtype=np.int32),
    np.array([(656, 400), (656, 336), (760, 336), (816, 400)], dtype=np.int32),
]
WHEELS = [(420, 498), (850, 498)]
WHEEL_RADIUS = 46


def main() -> None:
    rng = np.random.default_rng(20241002)
    image = draw_background(rng)
    car = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    draw_car(image, car)
    pedestrian = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    draw_pedestrian(image, pedestrian)
    add_sensor_noise(image, rng)

    # Closing fills the pixel-wide seams between the walker's parts: an occluder has no holes.
    pedestrian = cv2.morphologyEx(pedestrian, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    visible_car = (car > 0) & (pedestrian == 0)
    fragments = split_left_to_right(visible_car)
    if len(fragments) != 3:
        raise SystemExit(f"the scene gives {len(fragments)} car fragments instead of 3")

    cv2.imwrite(str(IMAGES_DIR / "image.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    masks_dir = IMAGES_DIR / "car_masks"
    masks_dir.mkdir(exist_ok=True)
    for number, fragment in enumerate(fragments, start=1):
        cv2.imwrite(str(masks_dir / f"car_{number:02d}.png"), fragment.astype(np.uint8) * 255)
    print(f"wrote {IMAGES_DIR / 'image.jpg'} and {len(fragments)} masks in {masks_dir}")


def draw_background(rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """Sky, a row of houses, a pavement and the road, as seen from the other side of a street."""
    image = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    sky_top, sky_low = np.array([214, 160, 96]), np.array([240, 222, 196])
    for y in range(HORIZON_Y):
        image[y] = sky_top + (sky_low - sky_top) * (y / HORIZON_Y)

    x = -30
    facades = [(92, 120, 170), (150, 170, 196), (120, 108, 98), (180, 196, 210), (84, 96, 140)]
    while x < WIDTH:
        width = int(rng.integers(170, 260))
        top = int(rng.integers(70, 170))
        colour = facades[int(rng.integers(len(facades)))]
        cv2.rectangle(image, (x, top), (x + width, HORIZON_Y), colour, -1)
        cv2.rectangle(image, (x, top - 10), (x + width, top), tuple(c - 40 for c in colour), -1)
        for wy in range(top + 30, HORIZON_Y - 60, 70):
            for wx in range(x + 24, x + width - 40, 56):
                cv2.rectangle(image, (wx, wy), (wx + 30, wy + 42), (96, 78, 60), -1)
                cv2.rectangle(image, (wx, wy), (wx + 30, wy + 42), (220, 220, 220), 2)
        x += width + int(rng.integers(0, 12))

    cv2.rectangle(image, (0, HORIZON_Y), (WIDTH, 440), (170, 172, 176), -1)
    for tile_x in range(0, WIDTH, 64):
        cv2.line(image, (tile_x, HORIZON_Y), (tile_x - 20, 440), (140, 142, 146), 1, cv2.LINE_AA)
    cv2.rectangle(image, (0, 440), (WIDTH, 452), (200, 200, 204), -1)
    image[452:] = (78, 80, 84)
    for dash_x in range(-40, WIDTH, 180):
        cv2.fillConvexPoly(
            image,
            np.array([(dash_x, 660), (dash_x + 110, 660), (dash_x + 100, 676), (dash_x - 12, 676)]),
            (226, 228, 230),
            cv2.LINE_AA,
        )
    return image


def draw_car(image: npt.NDArray[np.uint8], mask: npt.NDArray[np.uint8]) -> None:
    """A red hatchback, side on; its silhouette (body and wheels) goes into ``mask``."""
    cv2.ellipse(image, (642, 506), (350, 22), 0, 0, 360, (40, 42, 46), -1, cv2.LINE_AA)
    cv2.fillPoly(image, [CAR_BODY], (38, 40, 176), cv2.LINE_AA)
    cv2.fillPoly(mask, [CAR_BODY], 255)
    cv2.polylines(image, [CAR_BODY], True, (24, 24, 120), 2, cv2.LINE_AA)
    for window in CAR_WINDOWS:
        cv2.fillPoly(image, [window], (120, 96, 70), cv2.LINE_AA)
        cv2.line(image, tuple(window[1]), tuple(window[2]), (200, 190, 170), 3, cv2.LINE_AA)
    cv2.line(image, (648, 336), (648, 492), (24, 24, 120), 2, cv2.LINE_AA)
    cv2.line(image, (330, 446), (956, 446), (60, 60, 200), 3, cv2.LINE_AA)
    cv2.rectangle(image, (600, 418), (626, 424), (190, 190, 196), -1)
    # Lights stick out of the body's outline a little: they are part of the car's silhouette.
    cv2.ellipse(image, (950, 426), (14, 10), 0, 0, 360, (200, 240, 250), -1, cv2.LINE_AA)
    cv2.ellipse(mask, (950, 426), (14, 10), 0, 0, 360, 255, -1)
    cv2.rectangle(image, (320, 424), (336, 444), (30, 30, 230), -1)
    cv2.rectangle(mask, (320, 424), (336, 444), 255, -1)
    for centre in WHEELS:
        cv2.circle(image, centre, WHEEL_RADIUS + 6, (38, 40, 176), -1, cv2.LINE_AA)
        cv2.circle(image, centre, WHEEL_RADIUS, (30, 30, 32), -1, cv2.LINE_AA)
        cv2.circle(image, centre, 26, (170, 172, 178), -1, cv2.LINE_AA)
        cv2.circle(image, centre, 8, (90, 92, 96), -1, cv2.LINE_AA)
        cv2.circle(mask, centre, WHEEL_RADIUS + 6, 255, -1)


def draw_pedestrian(image: npt.NDArray[np.uint8], mask: npt.NDArray[np.uint8]) -> None:
    """A walker in front of the car, feet apart, so the car shows between the legs."""
    legs = [
        np.array([(564, 430), (602, 430), (574, 648), (544, 648)], dtype=np.int32),
        np.array([(608, 430), (646, 430), (688, 644), (658, 648)], dtype=np.int32),
    ]
    torso = np.array([(562, 318), (648, 318), (654, 440), (558, 440)], dtype=np.int32)
    arms = [
        np.array([(562, 322), (544, 330), (536, 446), (556, 450)], dtype=np.int32),
        np.array([(648, 322), (666, 330), (676, 446), (656, 450)], dtype=np.int32),
    ]
    cv2.ellipse(image, (614, 652), (76, 9), 0, 0, 360, (48, 50, 54), -1, cv2.LINE_AA)
    for leg in legs:
        draw_part(image, mask, leg, (110, 70, 40))
    for shoe in [(548, 640, 586, 652), (656, 638, 698, 650)]:
        cv2.rectangle(image, shoe[:2], shoe[2:], (32, 30, 30), -1, cv2.LINE_AA)
        cv2.rectangle(mask, shoe[:2], shoe[2:], 255, -1)
    draw_part(image, mask, torso, (60, 130, 60))
    for arm in arms:
        draw_part(image, mask, arm, (52, 116, 52))
    for hand in [(546, 452), (666, 452)]:
        cv2.circle(image, hand, 10, (140, 170, 214), -1, cv2.LINE_AA)
        cv2.circle(mask, hand, 10, 255, -1)
    cv2.rectangle(image, (596, 296), (614, 322), (140, 170, 214), -1)
    cv2.rectangle(mask, (596, 296), (614, 322), 255, -1)
    cv2.circle(image, (605, 276), 26, (140, 170, 214), -1, cv2.LINE_AA)
    cv2.ellipse(image, (605, 268), (27, 20), 0, 180, 360, (40, 52, 70), -1, cv2.LINE_AA)
    cv2.circle(mask, (605, 276), 27, 255, -1)


def draw_part(
    image: npt.NDArray[np.uint8], mask: npt.NDArray[np.uint8], polygon: npt.NDArray, colour: BGR
) -> None:
    cv2.fillPoly(image, [polygon], colour, cv2.LINE_AA)
    cv2.polylines(image, [polygon], True, tuple(int(c * 0.7) for c in colour), 2, cv2.LINE_AA)
    cv2.fillPoly(mask, [polygon], 255)


def add_sensor_noise(image: npt.NDArray[np.uint8], rng: np.random.Generator) -> None:
    """A little grain and blur, so that the drawing reads more like a photo."""
    noise = rng.normal(0, 4, image.shape)
    image[:] = np.clip(image.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    image[:] = cv2.GaussianBlur(image, (3, 3), 0)


def split_left_to_right(mask: npt.NDArray[np.bool_]) -> list[npt.NDArray[np.bool_]]:
    """The 8-connected parts of ``mask``, ordered by their leftmost column."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    order = sorted(range(1, count), key=lambda index: stats[index, cv2.CC_STAT_LEFT])
    return [labels == index for index in order]


if __name__ == "__main__":
    main()
