#!/usr/bin/env python3
"""
Times TrailAlerts' own CloudTrail analyzer on log files, for the side-by-side figures that
scripts/bench-trailalerts.ts prints (`npm run bench -- --trailalerts <dir>`).

TrailAlerts (github.com/adanalvarez/TrailAlerts; the Lambda code lives in its Terraform module
adanalvarez/terraform-aws-trailalerts, lambda_code/cloudtrail_analyzer/) is not part of this
repository and none of its code is in this file: this harness imports the analyzer from the
directory given with --trailalerts and drives it the way its Lambda runs:

  * rules: the Lambda lists `sigma_rules/` in its rules bucket and loads every .yaml/.yml object
    with `load_sigma_rules` (and, in current versions, builds its (eventSource, eventName) rule
    index in `reload_sigma_rules_if_needed`). Here the bucket is the --rules directories, served
    to their own loading code by a local stand-in for the S3 client (one listing call without
    pagination, capped at 1,000 keys like S3's ListObjectsV2).
  * per file, timed: gunzip (when gzip) + UTF-8 decode + json.loads, then for every record their
    candidate rules (`get_candidate_rules`, or every rule when the version has no index) through
    `sigma_matcher.matches_sigma_rule`. Matches are counted, not sent: no SQS message is built,
    as the engine it is compared with counts matches without building messages either.
  * also timed, separately: gunzip + decode + json.loads alone (Python's plain parse).

No AWS call can happen: `boto3` is replaced by a placeholder before their module is imported,
and its S3 and SQS clients by local objects.

  python3 scripts/bench-trailalerts.py --trailalerts <cloudtrail_analyzer dir or checkout> \\
      --rules <rules dir> [--rules <dir> …] [--repeat N] <log files …>

Log files: CloudTrail log objects {"Records":[…]} (plain or gzip) or JSON arrays of records.
Prints one JSON document on stdout (figures per file and in total, the rules loaded, their
log messages counted by level). A file that cannot be read or parsed is reported in its entry
and counted; records that make their code raise are counted as bad records. Exit 2 with a
message on stderr when the analyzer directory, its modules or functions, or PyYAML are missing.
"""
import argparse
import gzip
import hashlib
import io
import json
import logging
import os
import platform
import sys
import time
import types

ANALYZER_MODULES = ("lambda_function.py", "sigma_matcher.py")
S3_MAX_KEYS = 1000  # ListObjectsV2 returns at most 1,000 keys per call; their loader makes one call.
RULES_PREFIX = "sigma_rules/"
RULES_BUCKET = "trailalerts-bench-rules"


class SetupError(Exception):
    """A problem that prevents the measurement; printed on stderr, exit 2."""


class NoAws:
    """Stands in for a boto3 client: any use is an error, so no AWS call can happen."""

    def __init__(self, service):
        self._service = service

    def __getattr__(self, name):
        raise RuntimeError(f"bench harness: the analyzer called {self._service}.{name}; no AWS call is allowed here")


class LocalRuleBucket:
    """The rules bucket as their loader sees it (list_objects_v2 and get_object), from local directories."""

    def __init__(self, rule_dirs):
        self.objects = {}
        for i, root in enumerate(rule_dirs):
            prefix = RULES_PREFIX + (f"{i}/" if len(rule_dirs) > 1 else "")
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, root).replace(os.sep, "/")
                    self.objects[prefix + rel] = path
        self.keys = sorted(self.objects)
        self.truncated = len(self.keys) > S3_MAX_KEYS
        self.served = 0

    def list_objects_v2(self, Bucket, Prefix="", **_):
        keys = [k for k in self.keys if k.startswith(Prefix)]
        contents = []
        for key in keys[:S3_MAX_KEYS]:
            with open(self.objects[key], "rb") as f:
                data = f.read()
            etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
            contents.append({"Key": key, "ETag": f'"{etag}"', "Size": len(data)})
        return {"Contents": contents, "IsTruncated": len(keys) > S3_MAX_KEYS, "KeyCount": len(contents)}

    def get_object(self, Bucket, Key, **_):
        if Key not in self.objects:
            raise KeyError(f"NoSuchKey: {Key}")
        self.served += 1
        with open(self.objects[Key], "rb") as f:
            return {"Body": io.BytesIO(f.read())}


class CountingHandler(logging.Handler):
    """Counts their log records by level and keeps the first few warnings and errors as examples."""

    def __init__(self):
        super().__init__(logging.NOTSET)
        self.counts = {}
        self.examples = []

    def emit(self, record):
        self.counts[record.levelname] = self.counts.get(record.levelname, 0) + 1
        if record.levelno >= logging.WARNING and len(self.examples) < 5:
            try:
                message = record.getMessage()
            except Exception as err:  # a record whose arguments do not format
                message = f"(unformattable log record: {err})"
            self.examples.append(f"{record.levelname}: {message[:300]}")

    def snapshot(self):
        return {"counts": dict(self.counts), "examples": list(self.examples)}


def resolve_analyzer_dir(given):
    if not os.path.isdir(given):
        raise SetupError(f"--trailalerts {given}: no such directory (expected TrailAlerts' cloudtrail_analyzer directory)")
    for candidate in (given, os.path.join(given, "lambda_code", "cloudtrail_analyzer")):
        if all(os.path.isfile(os.path.join(candidate, m)) for m in ANALYZER_MODULES):
            return os.path.abspath(candidate)
    missing = [m for m in ANALYZER_MODULES if not os.path.isfile(os.path.join(given, m))]
    raise SetupError(
        f"--trailalerts {given}: expected TrailAlerts' analyzer modules {' and '.join(ANALYZER_MODULES)} "
        f"(lambda_code/cloudtrail_analyzer/ of adanalvarez/terraform-aws-trailalerts), "
        f"but {', '.join(missing)} not found there nor under lambda_code/cloudtrail_analyzer/"
    )


def import_analyzer(directory, log_handler):
    placeholder = types.ModuleType("boto3")
    placeholder.client = lambda service, *a, **k: NoAws(service)
    sys.modules["boto3"] = placeholder
    os.environ["SQS_QUEUE_URL"] = "https://sqs.invalid/bench-harness"
    os.environ["TRAILALERTS_BUCKET"] = RULES_BUCKET
    root = logging.getLogger()
    root.handlers[:] = [log_handler]
    sys.dont_write_bytecode = True  # leave their checkout as it was
    sys.path.insert(0, directory)
    modules = {}
    for name in ("sigma_matcher", "lambda_function"):
        try:
            modules[name] = __import__(name)
        except ModuleNotFoundError as err:
            hint = " (apt-get install -y python3-yaml)" if err.name == "yaml" else ""
            raise SetupError(f"{os.path.join(directory, name + '.py')}: import failed: {err}{hint}")
        except Exception as err:
            raise SetupError(f"{os.path.join(directory, name + '.py')}: import failed: {type(err).__name__}: {err}")
        origin = getattr(modules[name], "__file__", "") or ""
        if os.path.dirname(os.path.abspath(origin)) != directory:
            raise SetupError(f"{name} was imported from {origin}, expected {directory}")
    required = (("sigma_matcher", "matches_sigma_rule"), ("lambda_function", "load_sigma_rules"))
    for module, function in required:
        if not callable(getattr(modules[module], function, None)):
            raise SetupError(
                f"{os.path.join(directory, module + '.py')}: expected a function {function}() "
                f"(TrailAlerts' analyzer API), not found"
            )
    return modules["sigma_matcher"], modules["lambda_function"]


def load_rules(lf, bucket):
    """Their loading path: reload_sigma_rules_if_needed (rules + index) when present, else load_sigma_rules."""
    lf.s3_client = bucket
    lf.sqs = NoAws("sqs")
    indexed = all(callable(getattr(lf, f, None)) for f in ("reload_sigma_rules_if_needed", "build_rule_index", "get_candidate_rules"))
    try:
        if indexed:
            lf.reload_sigma_rules_if_needed()
            rules = lf.sigma_rules_cache or []
        else:
            rules = lf.load_sigma_rules(getattr(lf, "TRAILALERTS_BUCKET", RULES_BUCKET))
    except Exception as err:
        raise SetupError(f"their rule loading failed: {type(err).__name__}: {err}")
    if indexed:
        candidates = lf.get_candidate_rules
    else:
        everything = list(rules)

        def candidates(_record):
            return everything

    info = {
        "loaded": len(rules),
        "objectsListed": min(len(bucket.keys), S3_MAX_KEYS),
        "objectsRead": bucket.served,
        "listTruncated": bucket.truncated,
        "indexed": indexed,
        "indexKeys": len(getattr(lf, "rule_index", None) or {}) if indexed else 0,
        "wildcardRules": len(getattr(lf, "wildcard_rules", None) or []) if indexed else len(rules),
        "withoutDetection": sum(1 for r in rules if not isinstance(r, dict) or not r.get("detection")),
    }
    return candidates, info


def decode(raw):
    """gunzip when the bytes start with gzip's magic number, then UTF-8 (bytes, text)."""
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    return data, data.decode("utf-8")


class ShapeError(ValueError):
    """The file is JSON but not a log object or an array of records."""


def records_of(document):
    if isinstance(document, dict) and isinstance(document.get("Records"), list):
        return document["Records"]
    if isinstance(document, list):
        return document
    what = "an object without a Records array" if isinstance(document, dict) else f"a JSON {type(document).__name__}"
    raise ShapeError(f'expected a CloudTrail log object {{"Records":[…]}} or a JSON array of records, found {what}')


def describe_read_error(path, err):
    if isinstance(err, json.JSONDecodeError):
        return f"{path}: line {err.lineno} column {err.colno}: not valid JSON ({err.msg})"
    if isinstance(err, UnicodeDecodeError):
        return f"{path}: byte {err.start}: not valid UTF-8"
    if isinstance(err, (gzip.BadGzipFile, EOFError)):
        return f"{path}: damaged gzip data ({err})"
    if isinstance(err, ShapeError):
        return f"{path}: {err}"
    if isinstance(err, OSError):
        return f"{path}: cannot read ({err.strerror or err})"
    return f"{path}: {type(err).__name__}: {err}"


def measure_file(path, candidates, match, repeat):
    entry = {"file": path, "compressedBytes": 0, "bytes": 0, "records": 0, "matches": 0, "badRecords": 0,
             "seconds": 0.0, "parseSeconds": 0.0}
    try:
        with open(path, "rb") as f:
            raw = f.read()
        entry["compressedBytes"] = len(raw)
        data, _ = decode(raw)
        entry["bytes"] = len(data)
        del data
    except Exception as err:
        entry["error"] = describe_read_error(path, err)
        return entry
    parse_best = float("inf")
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            records_of(json.loads(decode(raw)[1]))
        except Exception as err:
            entry["error"] = describe_read_error(path, err)
            return entry
        parse_best = min(parse_best, time.perf_counter() - started)

        started = time.perf_counter()
        records = records_of(json.loads(decode(raw)[1]))
        matches = 0
        bad = 0
        for record in records:
            if not isinstance(record, dict):
                bad += 1
                continue
            try:
                for rule in candidates(record):
                    if match(record, rule):
                        matches += 1
            except Exception:
                bad += 1
        best = min(best, time.perf_counter() - started)
        entry["records"] = len(records)
        entry["matches"] = matches
        entry["badRecords"] = bad
        del records
    entry["seconds"] = best
    entry["parseSeconds"] = parse_best
    return entry


def sha256_12(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


def main(argv):
    parser = argparse.ArgumentParser(description="Time TrailAlerts' CloudTrail analyzer on log files (JSON on stdout).")
    parser.add_argument("--trailalerts", required=True, help="TrailAlerts' lambda_code/cloudtrail_analyzer directory (or a checkout holding it)")
    parser.add_argument("--rules", action="append", required=True, help="a directory of Sigma rules, as in their sigma_rules/ prefix (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file; the best (shortest) time is kept")
    parser.add_argument("files", nargs="+", help="CloudTrail log files ({\"Records\":[…]}, plain or gzip) or JSON arrays of records")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat expects a positive number of runs")
    try:
        for d in args.rules:
            if not os.path.isdir(d):
                raise SetupError(f"--rules {d}: no such directory")
        directory = resolve_analyzer_dir(args.trailalerts)
        log_handler = CountingHandler()
        sigma_matcher, lf = import_analyzer(directory, log_handler)
        bucket = LocalRuleBucket([os.path.abspath(d) for d in args.rules])
        candidates, rules_info = load_rules(lf, bucket)
        load_log = log_handler.snapshot()
        if rules_info["loaded"] == 0:
            raise SetupError(f"their loader found no rule in {', '.join(args.rules)} ({rules_info['objectsListed']} files listed)")
    except SetupError as err:
        print(f"bench-trailalerts.py: {err}", file=sys.stderr)
        return 2

    rules_info["dirs"] = args.rules
    rules_info["log"] = load_log
    log_handler.counts.clear()
    log_handler.examples.clear()
    files = [measure_file(path, candidates, sigma_matcher.matches_sigma_rule, args.repeat) for path in args.files]
    total = {
        key: sum(f[key] for f in files)
        for key in ("compressedBytes", "bytes", "records", "matches", "badRecords", "seconds", "parseSeconds")
    }
    total["files"] = len(files)
    total["failedFiles"] = sum(1 for f in files if "error" in f)
    report = {
        "harness": "scripts/bench-trailalerts.py",
        "analyzer": {
            "dir": directory,
            "sha256": {m: sha256_12(os.path.join(directory, m)) for m in ANALYZER_MODULES},
        },
        "python": platform.python_version(),
        "repeat": args.repeat,
        "rules": rules_info,
        "files": files,
        "total": total,
        "log": log_handler.snapshot(),
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
