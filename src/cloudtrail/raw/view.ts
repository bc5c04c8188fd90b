/**
 * One record as the splitter found it: its text, and the partial parsing the analyzer lives on.
 * A view parses only what is asked of it (the header keys, one value, the keys of a field plan)
 * and gives exactly what JSON.parse of the whole text would: the same keys (the last of
 * duplicates), the same values. Whatever it cannot answer that way (keys written with escapes,
 * digest or Insights documents, text that is not one object) it leaves to JSON.parse of the whole
 * record: header() and project() say so by returning undefined.
 *
 * Most of a CloudTrail record (requestParameters, responseElements, resources …) is never parsed
 * when no candidate rule reads it, which is where the analyzer's speed comes from.
 */
import { MEMO_KEY, newIdentityMemo, type FieldPlan, type IdentityMemo } from '../../core';
import {
  findKey,
  keysHaveEscapes,
  readHeader,
  scanObjectKeys,
  type Header,
  type KeyTable,
} from './key-table';
import { Entry, KeyId, Slot } from './layout';
import { headerSlotOf, keyAt, RECORD_KEYS } from './record-keys';
import {
  cachedEntry,
  keysMayHoldDot,
  parseValueAt,
  valueCacheFor,
  valueIsString,
  valueJsonAt,
  type ValueCache,
} from './value';

/** The keys that pick the rules a record runs, parsed. */
export interface RecordHeader {
  readonly eventName: unknown;
  readonly eventSource: unknown;
}

const enum Readable {
  Unknown = 0,
  /** By its key table. */
  Raw = 1,
  /** Only by JSON.parse of the whole text. */
  Whole = 2,
}

export class RecordView {
  private table: KeyTable | undefined;
  private readable = Readable.Unknown;
  private head: RecordHeader | undefined = undefined;
  private parsed: Record<string, unknown> | undefined = undefined;
  private dotFree = false;
  private memo: IdentityMemo | undefined = undefined;

  /** Built by the splitter; `table` and `slots` when it noted them, `clean` when no string has an escape. */
  constructor(
    /** 0-based index of the element in its file (records, skipped ones included). */
    readonly index: number,
    /** The record's JSON text, exactly as in the input. */
    readonly text: string,
    table: KeyTable | undefined,
    private slots: Header | undefined,
    /** No string in the record holds a backslash or a control character: a string value is its text between the quotes. */
    private readonly clean: boolean,
  ) {
    this.table = table;
  }

  /**
   * The text is known to be ASCII only, so its UTF-8 bytes are its characters (false: unknown).
   * A clean record was scanned whole by the WebAssembly loop, which takes only ASCII bytes.
   */
  get ascii(): boolean {
    return this.clean;
  }

  /**
   * eventName and eventSource, or undefined when the record must be read whole (JSON.parse): no
   * key table, keys written with escapes, a digest or Insights document. Throws a SyntaxError
   * when one of these values is not valid JSON.
   */
  header(): RecordHeader | undefined {
    if (this.head !== undefined) return this.head;
    const table = this.rawTable();
    if (table === undefined) return undefined;
    const slots = (this.slots ??= readHeader(table));
    if (slots[Slot.Unusual] === 1) return undefined;
    return (this.head = {
      eventName: this.valueAt(table, slots[Slot.EventName]),
      eventSource: this.valueAt(table, slots[Slot.EventSource]),
    });
  }

  /**
   * Whether eventType is "AwsCloudTrailInsight" or eventCategory "Insight": an Insights event
   * without the marker key header() looks for. Call after header() gave a header. Throws a
   * SyntaxError when one of these values is not valid JSON.
   */
  insightMarked(): boolean {
    const table = this.table!;
    const slots = this.slots!;
    return (
      this.valueIs(table, slots[Slot.EventType], 'AwsCloudTrailInsight') ||
      this.valueIs(table, slots[Slot.EventCategory], 'Insight')
    );
  }

  /** Whether the value at table offset `t` is the string `wanted` (false when absent). */
  private valueIs(table: KeyTable, t: number, wanted: string): boolean {
    return (
      t >= 0 &&
      valueIsString(this.text, table[t + Entry.ValueStart], table[t + Entry.ValueEnd], wanted, this.clean)
    );
  }

  /** A top-level value, parsed (undefined when absent). Throws a SyntaxError on invalid JSON. */
  value(key: string): unknown {
    const table = this.rawTable();
    if (table === undefined) return this.whole()[key];
    return this.valueAt(table, this.offsetOf(table, key));
  }

  /**
   * A top-level value as JSON.stringify writes it (undefined when absent), without parsing a
   * string that needs no escape. Throws a SyntaxError on invalid JSON.
   */
  json(key: string): string | undefined {
    const table = this.rawTable();
    if (table === undefined) {
      const value = this.whole()[key];
      return value === undefined ? undefined : JSON.stringify(value);
    }
    const t = this.offsetOf(table, key);
    return t < 0
      ? undefined
      : valueJsonAt(this.text, table[t + Entry.ValueStart], table[t + Entry.ValueEnd], this.clean);
  }

  /**
   * Whether the last project() gave an object in which no key, at any depth, holds a dot (false
   * when unknown), so that rules need not try field names as literal dotted keys
   * (CompiledRule.match's `plain`).
   */
  get projectedDotFree(): boolean {
    return this.dotFree;
  }

  /**
   * The verdicts remembered for the userIdentity value of the last project() (core/identity-memo.ts),
   * when that value came from the cache and the projection is dot-free; else undefined.
   */
  get projectedMemo(): IdentityMemo | undefined {
    return this.memo;
  }

  /**
   * The record with only the plan's top-level keys, their values parsed whole; undefined when it
   * must be read whole (a plan that wants the whole record, a record header() leaves to
   * JSON.parse). Throws a SyntaxError when a wanted value is not valid JSON. Callers then
   * JSON.parse the whole text, which either succeeds (use it) or shows the record is invalid.
   */
  project(plan: FieldPlan): Record<string, unknown> | undefined {
    const table = this.rawTable();
    if (plan.whole || table === undefined) return undefined;
    const { byId, unlisted } = compilePlan(plan);
    const text = this.text;
    const head = this.head;
    const slots = this.slots;
    const out: Record<string, unknown> = {};
    // Only a clean record's values are checked for keys with dots (keysMayHoldDot needs no escapes).
    let dotFree = this.clean;
    let memo: IdentityMemo | undefined;
    // In table order, so a later duplicate key overwrites an earlier one, as in JSON.parse.
    for (let t = 0; t < table.length; t += Entry.Size) {
      const id = table[t + Entry.KeyId];
      let entry: PlanKey | undefined;
      if (id !== KeyId.NotListed) entry = byId[id];
      else if (unlisted !== undefined)
        entry = unlistedKey(unlisted, text, table[t + Entry.KeyStart], table[t + Entry.KeyEnd]);
      if (entry === undefined) continue;
      const slot = entry.slot;
      const start = table[t + Entry.ValueStart];
      const end = table[t + Entry.ValueEnd];
      let value = head !== undefined && slot >= 0 && slots![slot] === t ? parsedBy(head, slot) : NOT_PARSED;
      let dotted = entry.dotted;
      let looked = false;
      if (value === NOT_PARSED) {
        const cached = cachedEntry(entry.cache, text, start, end);
        if (cached === undefined) {
          value = parseValueAt(text, start, end, this.clean);
          if (entry.memoKey) memo = undefined;
        } else {
          value = cached.value;
          if (entry.memoKey) memo = cached.memo ??= newIdentityMemo();
          // The verdict is the text's, so a cached value's text is looked at once.
          if (dotFree && !dotted) dotted = cached.keysMayHoldDot ??= keysMayHoldDot(text, start, end);
          looked = true;
        }
      }
      if (dotFree && !dotted && !looked && typeof value === 'object' && value !== null)
        dotted = keysMayHoldDot(text, start, end);
      if (dotted) dotFree = false;
      const key = entry.key;
      // `__proto__` from JSON is an ordinary own key (JSON.parse makes it one); assignment would not be.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    this.dotFree = dotFree;
    this.memo = dotFree ? memo : undefined;
    return out;
  }

  /** The key table, when the record can be read by it. */
  private rawTable(): KeyTable | undefined {
    if (this.readable === Readable.Unknown) {
      let table = this.table;
      if (table === undefined) {
        const text = this.text;
        table = this.table = scanObjectKeys(text, Math.max(0, text.search(/\S/)));
        this.slots = undefined;
      }
      // A clean record has no escape anywhere, so none in its keys.
      this.readable =
        table !== undefined && (this.clean || !keysHaveEscapes(this.text, table))
          ? Readable.Raw
          : Readable.Whole;
    }
    return this.readable === Readable.Raw ? this.table : undefined;
  }

  /** The table offset of the last entry for `key`, or -1. */
  private offsetOf(table: KeyTable, key: string): number {
    const slot = headerSlotOfKey(key);
    if (slot >= 0) return (this.slots ??= readHeader(table))[slot];
    // A listed key is found by its number: a readable table has no key written with escapes.
    const id = KEY_IDS.get(key);
    return id === undefined ? findKey(this.text, table, key) : findKeyId(table, id);
  }

  private valueAt(table: KeyTable, t: number): unknown {
    return t < 0
      ? undefined
      : parseValueAt(this.text, table[t + Entry.ValueStart], table[t + Entry.ValueEnd], this.clean);
  }

  private whole(): Record<string, unknown> {
    if (this.parsed === undefined) {
      const value: unknown = JSON.parse(this.text);
      this.parsed = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    }
    return this.parsed;
  }
}

const KEY_IDS = new Map<string, number>(RECORD_KEYS.map((key, id) => [key, id]));

/** The table offset of the last entry whose key has number `id`, or -1. */
function findKeyId(table: KeyTable, id: number): number {
  for (let t = table.length - Entry.Size; t >= 0; t -= Entry.Size)
    if (table[t + Entry.KeyId] === id) return t;
  return -1;
}

const NOT_PARSED: unique symbol = Symbol('not parsed');

/** The value of a header slot that header() parsed already, or NOT_PARSED. */
function parsedBy(head: RecordHeader, slot: number): unknown {
  switch (slot) {
    case Slot.EventName:
      return head.eventName;
    case Slot.EventSource:
      return head.eventSource;
    default:
      return NOT_PARSED;
  }
}

/** The header slot of a header key's name, or -1. */
function headerSlotOfKey(key: string): number {
  switch (key) {
    case 'eventName':
      return Slot.EventName;
    case 'eventSource':
      return Slot.EventSource;
    case 'eventTime':
      return Slot.EventTime;
    case 'eventType':
      return Slot.EventType;
    case 'eventCategory':
      return Slot.EventCategory;
    case 'recipientAccountId':
      return Slot.RecipientAccountId;
    default:
      return -1;
  }
}

/** A key of a field plan with what projection needs for it, found once per plan. */
interface PlanKey {
  key: string;
  cache: ValueCache;
  /** Its header slot, or -1. */
  slot: number;
  /** The key itself holds a dot. */
  dotted: boolean;
  /** The key is MEMO_KEY: its cached values carry verdicts. */
  memoKey: boolean;
}
interface CompiledPlan {
  /** The plan's listed keys by their number (record-keys.ts): one array read per record key. */
  byId: Array<PlanKey | undefined>;
  /** The plan's other keys by length, compared by text; undefined when there are none. */
  unlisted: Array<PlanKey[] | undefined> | undefined;
}

const compiledPlans = new WeakMap<FieldPlan, CompiledPlan>();

function compilePlan(plan: FieldPlan): CompiledPlan {
  let compiled = compiledPlans.get(plan);
  if (!compiled) {
    const byId: Array<PlanKey | undefined> = RECORD_KEYS.map(() => undefined);
    let unlisted: Array<PlanKey[] | undefined> | undefined;
    for (const key of plan.keys) {
      const id = RECORD_KEYS.indexOf(key as (typeof RECORD_KEYS)[number]);
      const slot = headerSlotOf(id);
      const entry: PlanKey = {
        key,
        cache: valueCacheFor(key),
        slot: slot === Slot.Unusual ? -1 : slot,
        dotted: key.includes('.'),
        memoKey: key === MEMO_KEY,
      };
      if (id >= 0) byId[id] = entry;
      else ((unlisted ??= [])[key.length] ??= []).push(entry);
    }
    compiled = { byId, unlisted };
    compiledPlans.set(plan, compiled);
  }
  return compiled;
}

/** The plan key the unlisted record key text[start, end) is, if any. */
function unlistedKey(
  unlisted: Array<PlanKey[] | undefined>,
  text: string,
  start: number,
  end: number,
): PlanKey | undefined {
  const bucket = unlisted[end - start];
  if (bucket !== undefined) for (const entry of bucket) if (keyAt(text, start, entry.key)) return entry;
  return undefined;
}

/** What the splitter noted for a view, before any use of it: for the folder's tests. */
export function splitterNotes(view: RecordView): {
  keys: KeyTable | undefined;
  header: Header | undefined;
  clean: boolean;
} {
  return { keys: view['table'], header: view['slots'], clean: view['clean'] };
}
