// Starts `mvlc lsp` for `.mvl` files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("mvl").get("server.path", "mvlc");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "mvl",
    "MVL language server",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "mvl" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.mvl"),
      },
    }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
