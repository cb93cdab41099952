// The Pol extension for VS Code: starts `pol lsp` (the language server built into the `pol`
// binary) for `.pol` files, restarts it when `pol.path` changes or on request, says plainly when
// the binary cannot be started, and shows the stdlib modules a definition opens read-only.
// Highlighting comes from the TextMate grammar alone.

"use strict";

const os = require("os");
const path = require("path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** The running client, or `undefined` while none is. */
let client;
/** Where the extension and the server say what went wrong. */
let output;

/**
 * The `pol` command to run: the `pol.path` setting, with a leading `~` expanded and a relative
 * path that names a folder (`bin/pol`, `./target/debug/pol`) taken from the first workspace
 * folder; a bare name (`pol`) is left to be looked up on `PATH`.
 */
function polCommand() {
  let command = vscode.workspace.getConfiguration("pol").get("path", "pol").trim() || "pol";
  if (command === "~" || command.startsWith("~/")) {
    command = path.join(os.homedir(), command.slice(1));
  }
  const folders = vscode.workspace.workspaceFolders;
  if (!path.isAbsolute(command) && command.includes("/") && folders && folders.length > 0) {
    command = path.join(folders[0].uri.fsPath, command);
  }
  return command;
}

/** Starts `pol lsp`; on failure says why and offers to open the setting. */
async function start() {
  const command = polCommand();
  const serverOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "pol" },
      { scheme: "untitled", language: "pol" },
    ],
    synchronize: {
      // Imported files changed on disk (by `git checkout`, another editor) are checked again.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.pol"),
    },
    outputChannel: output,
  };
  // The client's id `pol` makes it read the trace level from the `pol.trace.server` setting.
  client = new LanguageClient("pol", "Pol Language Server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    const failed = client;
    client = undefined;
    try {
      await failed.dispose();
    } catch {
      // The process never started, so there is nothing left to stop.
    }
    const choice = await vscode.window.showErrorMessage(
      `Pol: could not start the language server with \`${command} lsp\`: ${error && error.message ? error.message : error}. ` +
        "Install Pol, or set `pol.path` to the `pol` binary.",
      "Open Settings",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "pol.path");
    }
  }
}

/** Stops the server if one runs. */
async function stop() {
  if (client === undefined) {
    return;
  }
  const running = client;
  client = undefined;
  try {
    await running.stop();
  } catch (error) {
    output.appendLine(`Pol: the language server did not stop cleanly: ${error}`);
  }
}

async function restart() {
  await stop();
  await start();
}

/**
 * Whether `uri` is a stdlib module that `pol lsp` copied, read-only, into the user's cache folder
 * (`…/pol/std-HASH/NAME.pol`) so that a definition in it opens as a file.
 */
function isStdlibCopy(uri) {
  return uri.scheme === "file" && /[\\/]pol[\\/]std-[0-9a-f]+[\\/][A-Za-z0-9_]+\.pol$/.test(uri.fsPath);
}

/** Makes the active editor read-only when it shows a stdlib module's copy. */
async function protectStdlib(editor) {
  if (editor && isStdlibCopy(editor.document.uri)) {
    await vscode.commands.executeCommand("workbench.action.files.setActiveEditorReadonlyInSession");
  }
}

/** Called by VS Code when a `.pol` file is opened or a Pol command runs. */
async function activate(context) {
  output = vscode.window.createOutputChannel("Pol Language Server");
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand("pol.restartServer", restart));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("pol.path")) {
        restart();
      }
    }),
  );
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(protectStdlib));
  await protectStdlib(vscode.window.activeTextEditor);
  await start();
}

/** Called by VS Code on shutdown: the server is asked to shut down and exit. */
function deactivate() {
  return stop();
}

module.exports = { activate, deactivate, isStdlibCopy };
