#!/usr/bin/env python3
"""Check the text of a chart gnuplot drew as SVG: no two labels overlap, none leaves the
canvas, and every axis of numbers has at least --min-ticks tick labels.

usage: plot-labels.py [--png-model SIZE] [--min-ticks N] FILE.svg

Each label is a box made of its position, anchor and rotation in the SVG, its width from
the advance widths of DejaVu Sans (the font the templates name; read from the font file
fc-match finds) and a height of ascent and descent. Along its baseline a label keeps a gap
of a quarter of its size from the next.

--png-model SIZE: the SVG was drawn with the terminal font at SIZE points so that its
layout matches pngcairo's (whose character cell is wider than the svg terminal's); texts
at SIZE stand for the template's default font (given by --default-pt, 10), and every
text is measured at pngcairo's size in pixels: 4/3 of its size in points.
"""
import argparse
import html
import math
import os
import re
import struct
import subprocess
import sys


def font_widths(path):
    """Advance widths in em of the characters of a TrueType font (cmap format 4), or None."""
    try:
        d = open(path, 'rb').read()
    except OSError:
        return None
    tab = {}
    for i in range(struct.unpack('>H', d[4:6])[0]):
        tag, _, off, ln = struct.unpack('>4sIII', d[12 + 16 * i:28 + 16 * i])
        tab[tag.decode('latin-1')] = off
    upem = struct.unpack('>H', d[tab['head'] + 18:tab['head'] + 20])[0]
    nhm = struct.unpack('>H', d[tab['hhea'] + 34:tab['hhea'] + 36])[0]
    adv = [struct.unpack('>H', d[tab['hmtx'] + 4 * i:tab['hmtx'] + 4 * i + 2])[0]
           for i in range(nhm)]
    co = tab['cmap']
    for i in range(struct.unpack('>H', d[co + 2:co + 4])[0]):
        pid, eid, off = struct.unpack('>HHI', d[co + 4 + 8 * i:co + 12 + 8 * i])
        s = co + off
        if (pid, eid) not in ((3, 1), (0, 3)) or struct.unpack('>H', d[s:s + 2])[0] != 4:
            continue
        seg = struct.unpack('>H', d[s + 6:s + 8])[0] // 2
        e = s + 14
        ends = struct.unpack('>%dH' % seg, d[e:e + 2 * seg])
        starts = struct.unpack('>%dH' % seg, d[e + 2 * seg + 2:e + 4 * seg + 2])
        deltas = struct.unpack('>%dh' % seg, d[e + 4 * seg + 2:e + 6 * seg + 2])
        ro = e + 6 * seg + 2
        ranges = struct.unpack('>%dH' % seg, d[ro:ro + 2 * seg])
        widths = {}
        for k in range(seg):
            for c in range(starts[k], min(ends[k], 0x2FFF) + 1):
                if ranges[k] == 0:
                    g = (c + deltas[k]) & 0xFFFF
                else:
                    a = ro + 2 * k + ranges[k] + 2 * (c - starts[k])
                    g = struct.unpack('>H', d[a:a + 2])[0]
                    g = (g + deltas[k]) & 0xFFFF if g else 0
                widths[c] = adv[min(g, nhm - 1)] / upem
        return widths
    return None


def dejavu():
    try:
        path = subprocess.run(['fc-match', '-f', '%{file}', 'DejaVu Sans'], capture_output=True,
                              text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        path = ''
    if 'DejaVuSans' not in os.path.basename(path):
        path = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'
    return font_widths(path) or {}


TEXT = re.compile(r"(?:<path stroke='[^']*'\s+d='([^']*)'/>\s*)?"
                  r'<g transform="translate\(([-\d.]+),([-\d.]+)\)(?:\s*rotate\(([-\d.]+)\))?"'
                  r'([^>]*)>\s*<text[^>]*>(.*?)</text>', re.S)
NUMBER = re.compile(r'[-−]?[\d.]+(e[-+]?\d+)?[kMGmµu]?×?%?')


def is_tick_mark(d):
    """A tick mark: one point or one short segment (a long path is an axis or a border)."""
    if not d:
        return False
    pts = [tuple(map(float, p)) for p in re.findall(r'([-\d.]+),([-\d.]+)', d)]
    if len(pts) > 2 or not re.fullmatch(r'\s*M[-\d.,]+\s*(L[-\d.,]+\s*)?', d):
        return False
    return len(pts) == 1 or math.dist(*pts) < 15


def labels(svg, widths, model, default_pt):
    out = []
    for m in TEXT.finditer(svg):
        path, x, y, rot, attrs, text = m.groups()
        text = html.unescape(re.sub(r'<[^>]+>', '', text))
        if not text.strip():
            continue
        size = float(re.search(r'font-size="([\d.]+)"', attrs).group(1))
        anchor = re.search(r'text-anchor="(\w+)"', attrs)
        anchor = anchor.group(1) if anchor else 'start'
        if model:
            px = (default_pt if abs(size - model) < 0.02 else size) * 4 / 3
        else:
            px = size
        w = sum(widths.get(ord(c), 0.62) for c in text) * px
        x0 = {'start': 0, 'middle': -w / 2, 'end': -w}[anchor]
        out.append({'text': text, 'x': float(x), 'y': float(y), 'rot': float(rot or 0),
                    'box': (x0, -0.76 * px, x0 + w, 0.24 * px), 'pad': 0.125 * px,
                    'tick': is_tick_mark(path)})
    return out


def corners(lab, pad):
    x0, y0, x1, y1 = lab['box']
    a = math.radians(lab['rot'])
    c, s = math.cos(a), math.sin(a)
    return [(lab['x'] + px * c - py * s, lab['y'] + px * s + py * c)
            for px, py in ((x0 - pad, y0), (x1 + pad, y0), (x1 + pad, y1), (x0 - pad, y1))]


def overlap(p, q):
    """Do two convex polygons overlap by more than half a pixel? (separating axes)"""
    for poly in (p, q):
        for i in range(len(poly)):
            (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % len(poly)]
            nx, ny = y1 - y2, x2 - x1
            n = math.hypot(nx, ny) or 1
            a = [(x * nx + y * ny) / n for x, y in p]
            b = [(x * nx + y * ny) / n for x, y in q]
            if max(a) <= min(b) + 0.5 or max(b) <= min(a) + 0.5:
                return False
    return True


def tick_runs(labs):
    """Tick labels of one axis: consecutive in the file, on one row or one column."""
    runs, cur = [], []
    for lab in labs:
        if not lab['tick']:
            if cur:
                runs.append(cur)
            cur = []
            continue
        if cur and len(cur) >= 1:
            same_row = abs(lab['y'] - cur[-1]['y']) < 0.5
            same_col = abs(lab['x'] - cur[-1]['x']) < 0.5
            if len(cur) >= 2:
                row = abs(cur[1]['y'] - cur[0]['y']) < 0.5
                same_row, same_col = same_row and row, same_col and not row
            if not (same_row or same_col):
                runs.append(cur)
                cur = []
        cur.append(lab)
    if cur:
        runs.append(cur)
    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--png-model', type=float, default=0)
    ap.add_argument('--default-pt', type=float, default=10)
    ap.add_argument('--min-ticks', type=int, default=3)
    ap.add_argument('svg')
    a = ap.parse_args()
    svg = open(a.svg, encoding='utf-8').read()
    m = re.search(r'<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"', svg)
    width, height = float(m.group(1)), float(m.group(2))
    labs = labels(svg, dejavu(), a.png_model, a.default_pt)
    what = os.path.basename(a.svg) + (' (as pngcairo draws it)' if a.png_model else '')
    bad = []
    for lab in labs:
        xs, ys = zip(*corners(lab, 0))
        if min(xs) < -1 or min(ys) < -1 or max(xs) > width + 1 or max(ys) > height + 1:
            bad.append('off the canvas: %r at %.0f,%.0f' % (lab['text'], lab['x'], lab['y']))
    polys = [corners(lab, lab['pad']) for lab in labs]
    for i in range(len(labs)):
        for j in range(i + 1, len(labs)):
            if overlap(polys[i], polys[j]):
                bad.append('overlap: %r at %.0f,%.0f and %r at %.0f,%.0f' % (
                    labs[i]['text'], labs[i]['x'], labs[i]['y'],
                    labs[j]['text'], labs[j]['x'], labs[j]['y']))
    runs = [r for r in tick_runs(labs) if all(NUMBER.fullmatch(x['text'].strip()) for x in r)]
    if not runs:
        bad.append('no axis of numbers found')
    for r in runs:
        if len(r) < a.min_ticks:
            bad.append('only %d tick label%s on an axis: %s' % (
                len(r), '' if len(r) == 1 else 's', ' '.join(x['text'] for x in r)))
    for b in bad[:20]:
        print('%s: %s' % (what, b))
    if bad:
        sys.exit(1)
    print('ok %s: %d labels, none overlap; ticks: %s' % (
        what, len(labs), ' | '.join(' '.join(x['text'] for x in r) for r in runs)))


main()
