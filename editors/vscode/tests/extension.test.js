// The VS Code extension, run against stand-ins for the `vscode` API and for the language
// client (neither exists outside VS Code): which command it starts `pol lsp` with, what it says
// when that fails, when it starts the server again, and that its manifest names files that
// exist. Run with `npm test` in this folder.

"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");
const test = require("node:test");

const extensionDir = path.resolve(__dirname, "..");

/** A fresh stand-in for VS Code and the language client, recording what the extension does. */
function fakeEditor(settings) {
  const seen = {
    clients: [],
    errors: [],
    executed: [],
    commands: new Map(),
    onConfiguration: [],
    onEditor: [],
    settings: { path: "pol", ...settings },
    chooseInError: undefined,
    failStart: false,
  };
  const disposable = { dispose() {} };
  const vscode = {
    workspace: {
      workspaceFolders: [{ uri: { fsPath: "/home/me/policies" } }],
      getConfiguration: (section) => ({
        get: (key, fallback) => (section === "pol" && key in seen.settings ? seen.settings[key] : fallback),
      }),
      createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
      onDidChangeConfiguration: (listener) => {
        seen.onConfiguration.push(listener);
        return disposable;
      },
    },
    window: {
      activeTextEditor: undefined,
      createOutputChannel: (name) => ({ name, appendLine() {}, dispose() {} }),
      showErrorMessage: async (message, ...items) => {
        seen.errors.push({ message, items });
        return seen.chooseInError;
      },
      onDidChangeActiveTextEditor: (listener) => {
        seen.onEditor.push(listener);
        return disposable;
      },
    },
    commands: {
      registerCommand: (id, run) => {
        seen.commands.set(id, run);
        return disposable;
      },
      executeCommand: async (...args) => {
        seen.executed.push(args);
      },
    },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions, started: false, stopped: false });
      seen.clients.push(this);
    }
    async start() {
      if (seen.failStart) {
        throw new Error(`spawn ${this.serverOptions.command} ENOENT`);
      }
      this.started = true;
    }
    async stop() {
      this.stopped = true;
    }
    async dispose() {
      this.stopped = true;
    }
  }
  const languageClient = { LanguageClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 } };
  return { seen, vscode, languageClient };
}

/** Loads extension.js afresh with `fake` standing in for `vscode` and the language client. */
function loadExtension(fake) {
  const file = path.join(extensionDir, "extension.js");
  delete require.cache[require.resolve(file)];
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") {
      return fake.vscode;
    }
    if (request === "vscode-languageclient/node") {
      return fake.languageClient;
    }
    return load.call(this, request, ...rest);
  };
  try {
    return require(file);
  } finally {
    Module._load = load;
  }
}

async function activated(settings) {
  const fake = fakeEditor(settings);
  const extension = loadExtension(fake);
  const context = { subscriptions: [] };
  await extension.activate(context);
  return { ...fake, extension, context };
}

test("starts `pol lsp` from PATH for Pol files, with the client id that reads pol.trace.server", async () => {
  const { seen } = await activated();
  assert.equal(seen.clients.length, 1);
  const client = seen.clients[0];
  assert.equal(client.id, "pol");
  assert.equal(client.serverOptions.command, "pol");
  assert.deepEqual(client.serverOptions.args, ["lsp"]);
  assert.equal(client.serverOptions.transport, 0);
  assert.ok(client.started);
  assert.deepEqual(client.clientOptions.documentSelector, [
    { scheme: "file", language: "pol" },
    { scheme: "untitled", language: "pol" },
  ]);
  assert.equal(client.clientOptions.synchronize.fileEvents.glob, "**/*.pol");
  assert.ok(seen.commands.has("pol.restartServer"));
  assert.deepEqual(seen.errors, []);
});

test("pol.path may be a full path, start with ~, or be relative to the workspace folder", async () => {
  const cases = [
    ["/opt/pol/bin/pol", "/opt/pol/bin/pol"],
    ["~/.cargo/bin/pol", path.join(os.homedir(), ".cargo/bin/pol")],
    ["./target/debug/pol", "/home/me/policies/target/debug/pol"],
    ["  pol  ", "pol"],
    ["", "pol"],
  ];
  for (const [setting, command] of cases) {
    const { seen } = await activated({ path: setting });
    assert.equal(seen.clients[0].serverOptions.command, command, `pol.path = ${JSON.stringify(setting)}`);
  }
});

test("a `pol` that cannot start is reported, with a way to the setting", async () => {
  const fake = fakeEditor({ path: "/nowhere/pol" });
  fake.seen.failStart = true;
  fake.seen.chooseInError = "Open Settings";
  const extension = loadExtension(fake);
  await extension.activate({ subscriptions: [] });
  assert.equal(fake.seen.errors.length, 1);
  const { message, items } = fake.seen.errors[0];
  assert.match(message, /could not start the language server with `\/nowhere\/pol lsp`/);
  assert.match(message, /ENOENT/);
  assert.match(message, /`pol.path`/);
  assert.deepEqual(items, ["Open Settings"]);
  assert.deepEqual(fake.seen.executed, [["workbench.action.openSettings", "pol.path"]]);
  assert.ok(fake.seen.clients[0].stopped, "the client that failed is disposed of");
  // Nothing is left running, so deactivating has nothing to stop.
  await extension.deactivate();
});

test("changing pol.path or the restart command starts the server again; other settings do not", async () => {
  const { seen } = await activated();
  seen.settings.path = "/usr/local/bin/pol";
  for (const listener of seen.onConfiguration) {
    await listener({ affectsConfiguration: (name) => name === "editor.tabSize" });
  }
  assert.equal(seen.clients.length, 1);
  for (const listener of seen.onConfiguration) {
    await listener({ affectsConfiguration: (name) => name === "pol.path" || name === "pol" });
  }
  // The listener does not wait for the restart: let it finish.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.clients.length, 2);
  assert.ok(seen.clients[0].stopped);
  assert.equal(seen.clients[1].serverOptions.command, "/usr/local/bin/pol");
  assert.ok(seen.clients[1].started);

  await seen.commands.get("pol.restartServer")();
  assert.equal(seen.clients.length, 3);
  assert.ok(seen.clients[1].stopped && seen.clients[2].started);
});

test("deactivating stops the server", async () => {
  const { seen, extension } = await activated();
  await extension.deactivate();
  assert.ok(seen.clients[0].stopped);
});

test("a stdlib module's copy opens read-only; a policy does not", async () => {
  const { seen, extension } = await activated();
  const file = (fsPath) => ({ document: { uri: { scheme: "file", fsPath } } });
  for (const listener of seen.onEditor) {
    await listener(file("/home/me/policies/policy.pol"));
    await listener(undefined);
  }
  assert.deepEqual(seen.executed, []);
  for (const listener of seen.onEditor) {
    await listener(file("/home/me/.cache/pol/std-370eacabb8a4d8d3/dates.pol"));
  }
  assert.deepEqual(seen.executed, [["workbench.action.files.setActiveEditorReadonlyInSession"]]);
  assert.ok(extension.isStdlibCopy({ scheme: "file", fsPath: "C:\\Users\\me\\AppData\\pol\\std-0a\\dates.pol" }));
  assert.ok(!extension.isStdlibCopy({ scheme: "file", fsPath: "/home/me/pol/stdlib/dates.pol" }));
  assert.ok(!extension.isStdlibCopy({ scheme: "untitled", fsPath: "/x/pol/std-0a/dates.pol" }));
});

test("the manifest contributes the language, grammar, settings and command, from files that exist", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, "package.json"), "utf8"));
  assert.ok(fs.existsSync(path.join(extensionDir, manifest.main)));
  const [language] = manifest.contributes.languages;
  assert.equal(language.id, "pol");
  assert.deepEqual(language.extensions, [".pol"]);
  const configuration = JSON.parse(fs.readFileSync(path.join(extensionDir, language.configuration), "utf8"));
  assert.equal(configuration.comments.lineComment, "//");
  const [grammar] = manifest.contributes.grammars;
  assert.equal(grammar.language, "pol");
  const tmLanguage = JSON.parse(fs.readFileSync(path.join(extensionDir, grammar.path), "utf8"));
  assert.equal(tmLanguage.scopeName, grammar.scopeName);
  const settings = manifest.contributes.configuration.properties;
  assert.equal(settings["pol.path"].default, "pol");
  assert.deepEqual(settings["pol.trace.server"].enum, ["off", "messages", "verbose"]);
  assert.equal(settings["pol.trace.server"].default, "off");
  assert.deepEqual(
    manifest.contributes.commands.map((command) => command.command),
    ["pol.restartServer"],
  );
  assert.ok(manifest.dependencies["vscode-languageclient"]);
});

test("the language configuration indents inside brackets and after a declaration's `=`", () => {
  const configuration = JSON.parse(fs.readFileSync(path.join(extensionDir, "language-configuration.json"), "utf8"));
  const rules = configuration.indentationRules;
  const increase = new RegExp(rules.increaseIndentPattern);
  const decrease = new RegExp(rules.decreaseIndentPattern);
  const next = new RegExp(rules.indentNextLinePattern);
  assert.ok(increase.test("rule r: deny {"));
  assert.ok(increase.test("let xs = {1, // the first"));
  assert.ok(!increase.test("record R { a: Int }"));
  assert.ok(!increase.test("// a comment {"));
  assert.ok(!increase.test('  because "a brace { in a string"'));
  assert.ok(decrease.test("  }"));
  assert.ok(next.test("fn f(x: Int) -> Bool ="));
  assert.ok(!next.test("  when a == b"));
  assert.ok(!next.test("  when a >="));
  const word = new RegExp(configuration.wordPattern, "g");
  assert.deepEqual("t.date >= 2024-04-01 and 1_000".match(word), ["t", "date", "2024-04-01", "and", "1_000"]);
});
