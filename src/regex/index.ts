/** The one regular-expression compiler (RE2 via re2js, or a substring search). */
export { compileRegex, type CompiledRegex, type LinearRegex } from './compile';
export { requiredLiteral } from './required-literal';
export { trimDotStars } from './simplify';
