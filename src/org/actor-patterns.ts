/**
 * Exception `actorPatterns` (and exceptions.json `excludedActorsRegex`): regular expressions over
 * the actor's identifiers, run by the linear-time engine (regex/compile.ts), since the actor text
 * is attacker-controlled. Matching is unanchored, as for `|re`.
 */
import { compileRegex, type CompiledRegex } from '../regex';

const MAX_PATTERN = 1000;

export function compileActorPattern(pattern: string): CompiledRegex {
  if (pattern.length > MAX_PATTERN)
    return { problem: `regular expression longer than ${MAX_PATTERN} characters` };
  return compileRegex(pattern);
}
