// A 3x5 bitmap font (upper case, digits, a few signs) for labels on snapshots: enough to read
// "FERRET 87%" without an image library. Each glyph is five rows of three cells.

const TABLE = `
A .#. #.# ### #.# #.#
B ##. #.# ##. #.# ##.
C .## #.. #.. #.. .##
D ##. #.# #.# #.# ##.
E ### #.. ##. #.. ###
F ### #.. ##. #.. #..
G .## #.. #.# #.# .##
H #.# #.# ### #.# #.#
I ### .#. .#. .#. ###
J ..# ..# ..# #.# .#.
K #.# #.# ##. #.# #.#
L #.. #.. #.. #.. ###
M #.# ### ### #.# #.#
N ##. #.# #.# #.# #.#
O .#. #.# #.# #.# .#.
P ##. #.# ##. #.. #..
Q .#. #.# #.# ##. .##
R ##. #.# ##. #.# #.#
S .## #.. .#. ..# ##.
T ### .#. .#. .#. .#.
U #.# #.# #.# #.# ###
V #.# #.# #.# #.# .#.
W #.# #.# ### ### #.#
X #.# #.# .#. #.# #.#
Y #.# #.# .#. .#. .#.
Z ### ..# .#. #.. ###
0 ### #.# #.# #.# ###
1 .#. ##. .#. .#. ###
2 ##. ..# .#. #.. ###
3 ##. ..# .#. ..# ##.
4 #.# #.# ### ..# ..#
5 ### #.. ##. ..# ##.
6 .## #.. ### #.# ###
7 ### ..# .#. .#. .#.
8 ### #.# ### #.# ###
9 ### #.# ### ..# ##.
. ... ... ... ... .#.
- ... ... ### ... ...
% #.# ..# .#. #.. #.#
: ... .#. ... .#. ...
_ ... ... ... ... ###
/ ..# ..# .#. #.. #..
`;

export const GLYPH_W = 3;
export const GLYPH_H = 5;

const GLYPHS = new Map<string, Uint8Array>();
for (const line of TABLE.trim().split('\n')) {
  const [ch, ...rows] = line.split(' ');
  GLYPHS.set(ch, Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)));
}
const BLANK = new Uint8Array(GLYPH_W * GLYPH_H);

/** 15 cells (row-major, 1 = ink); lower case maps to upper case, unknown characters to a blank. */
export function glyph(ch: string): Uint8Array {
  return GLYPHS.get(ch.toUpperCase()) ?? BLANK;
}
