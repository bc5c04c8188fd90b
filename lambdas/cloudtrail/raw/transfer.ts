/**
 * Record views handed to another thread (the CLI's `detect --threads`): a batch of views packed
 * into a few strings (their texts, end to end, cut between records into pieces of about
 * PIECE_CHARS: a longer string lands in V8's large-object space, costs a mapping of its own and
 * makes the analysis of the views sliced from it slower) and one Int32Array (per view: index, text length,
 * the clean flag, then the key table and the header slots the splitter noted, each with its
 * length first, -1 when absent), so a worker rebuilds the same views without splitting again.
 * A view rebuilt this way reads exactly as the original does (same text, same notes).
 */
import type { Header, KeyTable } from './key-table';
import { RecordView } from './view';

/** Characters per text piece (a piece holds at least one record, however long). */
export const PIECE_CHARS = 60 * 1024;

export interface PackedViews {
  /** The views' texts, end to end, in pieces. */
  texts: string[];
  /** Per view: index, text length, clean (0/1), table length or -1, table, slots length or -1, slots. */
  layout: Int32Array;
  /** Number of views. */
  count: number;
}

/** A growing Int32Array: pushing to a JavaScript array of numbers and converting it cost twice as much. */
class IntList {
  array = new Int32Array(16 * 1024);
  length = 0;

  reserve(more: number): Int32Array {
    if (this.length + more > this.array.length) {
      const grown = new Int32Array(Math.max(this.array.length * 2, this.length + more));
      grown.set(this.array.subarray(0, this.length));
      this.array = grown;
    }
    return this.array;
  }

  pushList(list: readonly number[] | undefined): void {
    if (list === undefined) {
      this.reserve(1)[this.length++] = -1;
      return;
    }
    const array = this.reserve(1 + list.length);
    array[this.length] = list.length;
    array.set(list, this.length + 1);
    this.length += 1 + list.length;
  }
}

export function packViews(views: readonly RecordView[]): PackedViews {
  const layout = new IntList();
  const texts: string[] = [];
  let piece: string[] = [];
  let pieceChars = 0;
  for (let v = 0; v < views.length; v++) {
    const view = views[v];
    const { table, slots, clean } = view.notes();
    if (pieceChars > 0 && pieceChars + view.text.length > PIECE_CHARS) {
      texts.push(piece.join(''));
      piece = [];
      pieceChars = 0;
    }
    piece.push(view.text);
    pieceChars += view.text.length;
    const array = layout.reserve(3);
    array[layout.length] = view.index;
    array[layout.length + 1] = view.text.length;
    array[layout.length + 2] = clean ? 1 : 0;
    layout.length += 3;
    layout.pushList(table);
    layout.pushList(slots);
  }
  if (piece.length > 0) texts.push(piece.join(''));
  // A copy of its own, so that it can be transferred.
  return { texts, layout: layout.array.slice(0, layout.length), count: views.length };
}

function readList(layout: Int32Array, at: number): [number[] | undefined, number] {
  const length = layout[at];
  if (length < 0) return [undefined, at + 1];
  const list = new Array<number>(length);
  for (let i = 0; i < length; i++) list[i] = layout[at + 1 + i];
  return [list, at + 1 + length];
}

/** The views packViews packed, in the same order. Throws on a layout that does not fit the text. */
export function unpackViews(packed: Pick<PackedViews, 'texts' | 'layout'>): RecordView[] {
  const { texts, layout } = packed;
  const views: RecordView[] = [];
  let at = 0;
  let p = 0;
  let text = texts.length > 0 ? texts[0] : '';
  let from = 0;
  while (at < layout.length) {
    const index = layout[at];
    const length = layout[at + 1];
    const clean = layout[at + 2] === 1;
    let table: KeyTable | undefined;
    let slots: Header | undefined;
    [table, at] = readList(layout, at + 3);
    [slots, at] = readList(layout, at);
    if (from === text.length && p + 1 < texts.length) {
      text = texts[++p];
      from = 0;
    }
    if (length <= 0 || from + length > text.length) throw new Error('packed views do not fit their text');
    views.push(new RecordView(index, text.slice(from, from + length), table, slots, clean));
    from += length;
  }
  if (from !== text.length || p + 1 < texts.length) throw new Error('packed views do not fit their text');
  return views;
}
