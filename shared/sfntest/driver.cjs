'use strict';
// The node side of sfntest: runs Amazon States Language definitions with
// aws-local-stepfunctions and validates them with asl-validator, both from
// the pinned tools folder named by argv[1] (.sfn/). The Go side starts it as
// `node -e <this file> <tools dir> <region> <account>`.
//
// Protocol: one JSON request per line on stdin, one JSON reply per line on
// stdout, matched by id; requests run concurrently.
//   {"id":1,"op":"validate","definition":{...}}  -> {"id":1,"problems":[{"code","message"}]}
//   {"id":2,"op":"run","definition":{...},"input":...,"name":"...",
//    "functions":{"name":"http://.../invocations"},"retryIntervals":{"State|*":ms},
//    "waits":{"State|*":ms}}  -> {"id":2,"execution":{...}} or {"id":2,"problems":[...]}
//   {"id":2,"op":"abort"}  aborts run 2, which then replies with status ABORTED.
// Any reply may instead be {"id":n,"harnessError":"..."}: a problem of the
// harness or of the definition's wiring, not a behaviour of the state machine.
// Everything else the process prints goes to stderr, which Go keeps for errors.

// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers (Node 22) in every
// Task state; Node 20 lacks it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

if (Number(process.versions.node.split('.')[0]) < 20) {
  console.error(`sfntest needs Node.js 20 or later, this is ${process.version}`);
  process.exit(2);
}

const { createRequire } = require('node:module');
const path = require('node:path');
const readline = require('node:readline');
const { randomUUID, randomBytes } = require('node:crypto');

const [toolsDir, defaultRegion, defaultAccount] = process.argv.slice(1);
const requireTool = createRequire(path.join(toolsDir, 'package.json'));
const { StateMachine, ExecutionError, ExecutionTimeoutError, ExecutionAbortedError } =
  requireTool('aws-local-stepfunctions');
const aslValidator = requireTool('asl-validator');

// stdout carries the protocol only: console output of the libraries goes to stderr.
const writeReply = process.stdout.write.bind(process.stdout);
for (const level of ['log', 'info', 'debug', 'warn']) console[level] = console.error;

function reply(message) {
  writeReply(JSON.stringify(message) + '\n');
}

reply({ id: 0, ready: true });

// ---- validation ----

// Validation compiles JSON schemas (100-500 ms), and tests run one definition
// many times: results are kept per definition text.
const validated = new Map();

function validate(definition) {
  const key = JSON.stringify(definition);
  if (!validated.has(key)) {
    const { isValid, errors } = aslValidator(definition, { checkArn: true, checkPaths: true });
    validated.set(key, isValid ? [] : errors.map((e) => ({ code: e['Error code'], message: e.Message })));
  }
  return validated.get(key);
}

// ---- the definition's states ----

// eachState calls fn(name, state) for every state, nested ones included
// (Parallel branches, Map item processors).
function eachState(machine, fn) {
  for (const [name, state] of Object.entries(machine.States || {})) {
    fn(name, state);
    for (const branch of state.Branches || []) eachState(branch, fn);
    for (const inner of [state.Iterator, state.ItemProcessor]) if (inner) eachState(inner, fn);
  }
}

// overridesFor maps each state of the given type (or with a Retry, for
// 'Retry') to its override in ms: its own entry, else the '*' entry.
function overridesFor(definition, byState, matches) {
  const out = {};
  if (!byState) return out;
  eachState(definition, (name, state) => {
    const ms = byState[name] ?? byState['*'];
    if (ms !== undefined && matches(state)) out[name] = ms;
  });
  return out;
}

// ---- Lambda tasks ----

const INVOKE = /^arn:aws[a-zA-Z-]*:states:::lambda:invoke$/;
// A Lambda function ARN as a Task's Resource.
const FUNCTION_ARN = /^arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
// Lambda's FunctionName: a name, a partial ARN or a full ARN, each with an optional qualifier.
const FUNCTION_NAME = /^(?:arn:(aws[a-zA-Z-]*):lambda:)?(?:([a-z]{2}(?:-gov)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

class HarnessError extends Error {
  constructor(message) {
    super(message);
    this.name = 'sfntest.HarnessError';
    // Neither Retry nor Catch may hide a broken harness.
    this.isRetryable = false;
    this.isCatchable = false;
  }
}

// statesError is how a Task fails with a States error: the interpreter
// matches ErrorEquals against name and reports message as the Cause.
function statesError(name, cause) {
  const e = new Error(cause);
  e.name = name;
  return e;
}

// taskHandlers returns a local handler for every Task state of definition:
// a Lambda Task invokes its function through routes; a Task of any other
// resource fails when reached, so nothing ever calls a real AWS service.
// Harness errors are also collected in harness: neither Retry nor Catch may
// hide them, wherever they happen (a Parallel branch, a Map iteration).
function taskHandlers(definition, routes, harness) {
  const handlers = {};
  eachState(definition, (name, state) => {
    if (state.Type !== 'Task') return;
    if (name in handlers) throw new HarnessError(`state name ${JSON.stringify(name)} is used twice`);
    const handler = lambdaTask(name, state.Resource, routes);
    handlers[name] = async (input) => {
      try {
        return await handler(input);
      } catch (err) {
        if (err instanceof HarnessError) harness.push(err.message);
        throw err;
      }
    };
  });
  return handlers;
}

function lambdaTask(stateName, resource, routes) {
  if (INVOKE.test(resource)) {
    return async (input) => {
      const target = parseFunction(stateName, input && input.FunctionName, FUNCTION_NAME);
      if ((input.InvocationType ?? 'RequestResponse') !== 'RequestResponse') {
        throw new HarnessError(`state ${JSON.stringify(stateName)}: InvocationType ${input.InvocationType} is not supported locally`);
      }
      // Without Payload the function gets {}, not an empty body that no
      // runtime can decode (an assumption: not yet checked against AWS).
      const payload = input.Payload === undefined ? {} : input.Payload;
      return invokeResult(await invoke(stateName, target, payload, routes));
    };
  }
  if (FUNCTION_ARN.test(resource)) {
    const target = parseFunction(stateName, resource, FUNCTION_ARN);
    return async (input) => (await invoke(stateName, target, input, routes)).payload;
  }
  return async () => {
    throw new HarnessError(
      `state ${JSON.stringify(stateName)}: resource ${JSON.stringify(resource)} is not supported ` +
        '(only arn:aws:states:::lambda:invoke and Lambda function ARNs run locally)',
    );
  };
}

// parseFunction reads {partition, region, account, name, qualifier} from a
// FunctionName or function ARN.
function parseFunction(stateName, ref, pattern) {
  const m = typeof ref === 'string' ? pattern.exec(ref) : null;
  if (!m) {
    throw new HarnessError(`state ${JSON.stringify(stateName)}: ${JSON.stringify(ref)} is not a Lambda function name or ARN`);
  }
  const [, partition, region, account, name, qualifier] = m;
  return {
    partition: partition || 'aws',
    region: region || defaultRegion,
    account: account || defaultAccount,
    name,
    qualifier,
  };
}

function functionArn(f) {
  const arn = `arn:${f.partition}:lambda:${f.region}:${f.account}:function:${f.name}`;
  return f.qualifier ? `${arn}:${f.qualifier}` : arn;
}

// invoke calls the function at its route and returns {payload, text,
// requestId}, or throws the States error real Step Functions would raise.
async function invoke(stateName, target, payload, routes) {
  const requestId = randomUUID();
  const url = routes[target.name];
  if (!url) {
    throw statesError(
      'Lambda.ResourceNotFoundException',
      `Function not found: ${functionArn(target)} (Service: AWSLambda; Status Code: 404; ` +
        `Error Code: ResourceNotFoundException; Request ID: ${requestId}; Proxy: null)`,
    );
  }
  let status;
  let text;
  try {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
    status = res.status;
    text = await res.text();
  } catch (err) {
    throw new HarnessError(`state ${JSON.stringify(stateName)}: invoke ${target.name} at ${url}: ${err.cause || err.message}`);
  }
  return { payload: lambdaOutcome(status, text, requestId), text, requestId };
}

// lambdaOutcome turns the RIE's answer into the function's result or throws
// its error. The RIE sends no X-Amz-Function-Error header, so an error is
// known by its body: errorType names it (what Retry and Catch match, as in
// AWS), and the whole body is the Cause. A body without errorType from a
// failed runtime, or the RIE's plain-text timeout, is Lambda.Unknown, as
// Step Functions reports function timeouts and crashes.
function lambdaOutcome(status, text, requestId) {
  const body = parseJSON(text);
  if (isObject(body) && typeof body.errorType === 'string') throw statesError(body.errorType, text);
  if (text.startsWith('Task timed out')) {
    const message = `${new Date().toISOString()} ${requestId} ${text.trim()}`;
    throw unknownError(JSON.stringify({ errorMessage: message }));
  }
  if (status >= 300 || body === undefined) throw unknownError(text);
  return body;
}

function unknownError(payload) {
  return statesError(
    'Lambda.Unknown',
    `The cause could not be determined because Lambda did not return an error type. Returned payload: ${payload}`,
  );
}

function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// invokeResult is the optimized lambda:invoke integration's result: the
// function's output parsed into Payload, next to the Invoke API response's
// fields and HTTP metadata (the shape AWS returns; headers are synthesized).
function invokeResult({ payload, text, requestId }) {
  const headers = {
    Connection: 'keep-alive',
    'Content-Length': String(Buffer.byteLength(text)),
    'Content-Type': 'application/json',
    Date: new Date().toUTCString(),
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`,
  };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

// ---- executions ----

const running = new Map(); // request id -> the execution's abort function

async function run(req) {
  const problems = validate(req.definition);
  if (problems.length > 0) return { problems };
  const harness = [];
  const machine = new StateMachine(req.definition, { validationOptions: { noValidate: true } });
  const execution = machine.run(req.input, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers(req.definition, req.functions || {}, harness),
      retryIntervalOverrides: overridesFor(req.definition, req.retryIntervals, (s) => Array.isArray(s.Retry)),
      waitTimeOverrides: overridesFor(req.definition, req.waits, (s) => s.Type === 'Wait'),
    },
    context: contextFor(req),
  });
  running.set(req.id, execution.abort);
  try {
    const [outcome, events] = await Promise.all([settle(execution.result), collect(execution.eventLogs)]);
    if (harness.length > 0) return { harnessError: harness.join('\n') };
    return { execution: { ...outcome, events } };
  } finally {
    running.delete(req.id);
  }
}

// contextFor is the Context object's execution and state machine, as AWS
// names them ($$.Execution.Id and so on; the interpreter adds StartTime and Input).
function contextFor(req) {
  const machine = 'sfntest';
  const arn = (type, name) => `arn:aws:states:${defaultRegion}:${defaultAccount}:${type}:${name}`;
  return {
    Execution: {
      Id: arn('execution', `${machine}:${req.name}`),
      Name: req.name,
      RoleArn: `arn:aws:iam::${defaultAccount}:role/sfntest`,
    },
    StateMachine: { Id: arn('stateMachine', machine), Name: machine },
  };
}

async function settle(result) {
  try {
    return { status: 'SUCCEEDED', output: await result };
  } catch (err) {
    if (err instanceof ExecutionError) {
      const cause = err.cause;
      return { status: 'FAILED', error: cause.name, cause: text(cause.cause ?? cause.message) };
    }
    if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout' };
    if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    throw err;
  }
}

async function collect(eventLogs) {
  const events = [];
  for await (const e of eventLogs) events.push(eventOf(e));
  return events;
}

function eventOf(e) {
  const state = e.state || e.parentState || {};
  return {
    type: e.type,
    state: state.name,
    stateType: state.type,
    index: e.index,
    error: e.Error,
    cause: e.Cause === undefined ? undefined : text(e.Cause),
    attempt: e.retry && e.retry.attempt,
    input: e.type === 'StateEntered' ? state.input : undefined,
    output: e.type === 'StateExited' ? state.output : e.output,
  };
}

function text(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// ---- the request loop ----

const ops = {
  validate: async (req) => ({ problems: validate(req.definition) }),
  run,
  abort: async (req) => {
    const abort = running.get(req.id);
    if (abort) abort();
    return null; // the aborted run replies
  },
};

async function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${JSON.stringify(req.op)}`);
    const result = await op(req);
    if (result) reply({ id: req.id, ...result });
  } catch (err) {
    reply({ id: req ? req.id : 0, harnessError: err instanceof HarnessError ? err.message : String(err.stack || err) });
  }
}

readline
  .createInterface({ input: process.stdin })
  .on('line', (line) => {
    handle(line);
  })
  .on('close', () => process.exit(0));
