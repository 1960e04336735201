using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Codegen.Tests.Explain;

/// <summary>
/// Debian's <c>chromium</c>, started headless with a fresh profile and the DevTools protocol on a port it picks
/// itself (it writes the port to DevToolsActivePort in the profile); the process is ended (by its id) on dispose.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    private static readonly string[] Candidates = { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" };

    private readonly Process process;
    private readonly string profile;

    private HeadlessChromium(Process process, string profile, int port)
    {
        this.process = process;
        this.profile = profile;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Installs Debian's chromium once per test run when no browser is found (see <see cref="FindBinary"/>).</summary>
    private static readonly Lazy<string?> Installed = new(InstallWithApt);

    /// <summary>
    /// The browser: CODEGEN_CHROMIUM, else the first of the usual paths that exists, else Debian's package installed
    /// with apt-get (as <c>.ci/run</c> does; root only), so that the README's test command needs nothing else on a
    /// Debian machine like the project's.
    /// </summary>
    /// <exception cref="FileNotFoundException">No browser and none could be installed: the message says how to install it.</exception>
    public static string FindBinary() =>
        Environment.GetEnvironmentVariable("CODEGEN_CHROMIUM") is { Length: > 0 } configured
            ? configured
            : Candidates.FirstOrDefault(File.Exists)
              ?? Installed.Value
              ?? throw new FileNotFoundException("No Chromium for the browser test, and apt-get could not install it here: install Debian's package (apt-get install -y chromium; .ci/run does it when missing) or set CODEGEN_CHROMIUM to a Chromium binary.");

    /// <summary>apt-get install chromium when apt-get is there and the tests run as root; the binary, or null.</summary>
    private static string? InstallWithApt()
    {
        if (!File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
        {
            return null;
        }

        foreach (string arguments in new[] { "update -qq", "install -y -qq chromium" })
        {
            var start = new ProcessStartInfo("/usr/bin/apt-get", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using Process? apt = Process.Start(start);
            if (apt is null)
            {
                return null;
            }

            apt.StandardOutput.ReadToEnd();
            apt.StandardError.ReadToEnd();
            apt.WaitForExit();
            if (apt.ExitCode != 0)
            {
                return null;
            }
        }

        return Candidates.FirstOrDefault(File.Exists);
    }

    public static async Task<HeadlessChromium> StartAsync(int width, int height, CancellationToken cancellationToken)
    {
        string profile = Path.Combine(Path.GetTempPath(), "codegen-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(FindBinary())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
                 {
                     "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking", "--hide-scrollbars", "--mute-audio",
                     "--remote-debugging-port=0", $"--user-data-dir={profile}", $"--window-size={width},{height}", "about:blank",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        // Its logging (dbus and GPU warnings in a container) is drained and ignored: the page's console is what is checked.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string portFile = Path.Combine(profile, "DevToolsActivePort");
        while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 1 || File.ReadAllLines(portFile)[0].Length == 0)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{start.FileName} exited with {process.ExitCode} before opening its DevTools port.");
            }

            await Task.Delay(50, cancellationToken);
        }

        return new HeadlessChromium(process, profile, int.Parse(File.ReadAllLines(portFile)[0]));
    }

    /// <summary>The WebSocket address of the browser's first page (about:blank).</summary>
    public async Task<Uri> PageAddressAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        while (true)
        {
            string list = await http.GetStringAsync($"http://127.0.0.1:{Port}/json/list", cancellationToken);
            using JsonDocument targets = JsonDocument.Parse(list);
            foreach (JsonElement target in targets.RootElement.EnumerateArray())
            {
                if (target.GetProperty("type").GetString() == "page")
                {
                    return new Uri(target.GetProperty("webSocketDebuggerUrl").GetString()!);
                }
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A renderer still closing may hold a file a moment longer; the temporary folder is left behind then.
        }
    }
}
