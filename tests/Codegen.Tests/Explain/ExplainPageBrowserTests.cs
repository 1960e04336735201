using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Tokenizers;
using global::Explain;
using Xunit;

namespace Codegen.Tests.Explain;

/// <summary>
/// The Explain sample's page for stories260K, opened in headless Chromium over the DevTools protocol: it loads
/// without a console error or an exception, asks nothing of the network, has a heatmap of the expected cells for
/// every layer and head, the probability bars and the logit lens, its selectors show the chosen heatmap, and its
/// screenshot is not blank. With CODEGEN_UPDATE_SCREENSHOT=1 the screenshot replaces docs/explain-stories260k.png.
/// </summary>
public sealed class ExplainPageBrowserTests
{
    private const string Prompt = "Once upon a time";
    private const int Width = 1100;
    private const int Height = 1250;

    [Fact]
    public async Task ThePageLoadsCleanlyInChromiumWithEveryHeatmapAndAScreenshotThatIsNotBlank()
    {
        string folder = Path.Combine(Path.GetTempPath(), "codegen-explain-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string page = ExplainRun.WritePage(new ExplainOptions
            {
                Prompt = Prompt,
                ModelPath = TestModels.Path("stories260K", "stories260K.bin"),
                OutputPath = Path.Combine(folder, "explain.html"),
            });
            int tokens = Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), Stories260K.Vocab).Encode(Prompt, addBos: true).Length;

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            CancellationToken cancel = timeout.Token;
            using HeadlessChromium browser = await HeadlessChromium.StartAsync(Width, Height, cancel);
            await using DevToolsConnection devTools = await DevToolsConnection.ConnectAsync(await browser.PageAddressAsync(cancel), cancel);
            foreach (string domain in new[] { "Runtime", "Log", "Page", "Network" })
            {
                await devTools.SendAsync($"{domain}.enable", null, cancel);
            }

            await devTools.SendAsync("Emulation.setDeviceMetricsOverride", new { width = Width, height = Height, deviceScaleFactor = 1, mobile = false }, cancel);
            await devTools.SendAsync("Page.navigate", new { url = new Uri(page).AbsoluteUri }, cancel);
            await devTools.WaitForEventAsync("Page.loadEventFired", cancel);

            // What the page is made of, counted in the browser's own DOM.
            JsonElement counts = await EvaluateAsync(devTools, """
                JSON.stringify({
                  heatmaps: Array.from(document.querySelectorAll('svg.heatmap')).map(s => s.querySelectorAll('rect.cell').length),
                  masked: document.querySelectorAll('svg.heatmap rect.cell.masked').length,
                  charts: Array.from(document.querySelectorAll('svg.probabilities')).map(s => s.querySelectorAll('rect.bar').length),
                  lensRows: document.querySelectorAll('table.lens tbody tr').length,
                  stripTokens: document.querySelectorAll('.strip span').length,
                  visible: Array.from(document.querySelectorAll('.heatmap-figure')).filter(f => !f.hidden).length
                })
                """, cancel);
            int heatmaps = Stories260K.Layers * Stories260K.Heads;
            Assert.Equal(Enumerable.Repeat(tokens * tokens, heatmaps), counts.GetProperty("heatmaps").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(heatmaps * tokens * (tokens - 1) / 2, counts.GetProperty("masked").GetInt32());
            Assert.Equal(new[] { 10, 10, 10 }, counts.GetProperty("charts").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(Stories260K.Layers, counts.GetProperty("lensRows").GetInt32());
            Assert.Equal(tokens, counts.GetProperty("stripTokens").GetInt32());
            Assert.Equal(Stories260K.Heads, counts.GetProperty("visible").GetInt32());

            // The selectors: one layer and head shows that heatmap alone.
            JsonElement chosen = await EvaluateAsync(devTools, """
                (function () {
                  document.getElementById('layer').value = '3'; document.getElementById('layer').dispatchEvent(new Event('change'));
                  document.getElementById('head').value = '2'; document.getElementById('head').dispatchEvent(new Event('change'));
                  var shown = Array.from(document.querySelectorAll('.heatmap-figure')).filter(f => !f.hidden);
                  var result = JSON.stringify(shown.map(f => f.dataset.layer + '/' + f.dataset.head));
                  document.getElementById('layer').value = '0'; document.getElementById('head').value = 'all';
                  document.getElementById('head').dispatchEvent(new Event('change'));
                  return result;
                })()
                """, cancel);
            Assert.Equal(new[] { "3/2" }, chosen.EnumerateArray().Select(e => e.GetString()));

            JsonElement screenshot = await devTools.SendAsync("Page.captureScreenshot", new { format = "png" }, cancel);
            byte[] png = Convert.FromBase64String(screenshot.GetProperty("data").GetString()!);
            File.WriteAllBytes(Path.Combine(folder, "explain.png"), png);
            AssertNotBlank(PngImage.Decode(png));
            if (Environment.GetEnvironmentVariable("CODEGEN_UPDATE_SCREENSHOT") == "1")
            {
                File.WriteAllBytes(Path.Combine(RepositoryRoot(), "docs", "explain-stories260k.png"), png);
            }

            // Nothing went wrong on the page, and it fetched nothing but its own file.
            List<string> problems = Problems(devTools.Events).ToList();
            Assert.True(problems.Count == 0, "The page reported:\n" + string.Join("\n", problems));
            List<string> requests = devTools.Events.Where(e => e.Method == "Network.requestWillBeSent")
                .Select(e => e.Params.GetProperty("request").GetProperty("url").GetString()!).ToList();
            Assert.All(requests, url => Assert.StartsWith("file:", url, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Console errors and assertions, uncaught exceptions, and the browser's own error log entries.</summary>
    private static IEnumerable<string> Problems(IEnumerable<(string Method, JsonElement Params)> events)
    {
        foreach ((string method, JsonElement parameters) in events)
        {
            switch (method)
            {
                case "Runtime.consoleAPICalled" when parameters.GetProperty("type").GetString() is "error" or "assert":
                    yield return $"console.{parameters.GetProperty("type").GetString()}: {parameters.GetProperty("args")}";
                    break;
                case "Runtime.exceptionThrown":
                    yield return $"exception: {parameters.GetProperty("exceptionDetails")}";
                    break;
                case "Log.entryAdded" when parameters.GetProperty("entry").GetProperty("level").GetString() == "error":
                    yield return $"log: {parameters.GetProperty("entry").GetProperty("text").GetString()}";
                    break;
            }
        }
    }

    /// <summary>A screenshot with something drawn: many colours, and a fair share of pixels that are not the white page.</summary>
    private static void AssertNotBlank(PngImage image)
    {
        Assert.Equal(Width, image.Width);
        Assert.Equal(Height, image.Height);
        var colours = new HashSet<int>();
        int notWhite = 0;
        for (int i = 0; i < image.Rgba.Length; i += 4)
        {
            colours.Add((image.Rgba[i] << 16) | (image.Rgba[i + 1] << 8) | image.Rgba[i + 2]);
            if (image.Rgba[i] < 240 || image.Rgba[i + 1] < 240 || image.Rgba[i + 2] < 240)
            {
                notWhite++;
            }
        }

        int pixels = image.Width * image.Height;
        Assert.True(colours.Count >= 100, $"the screenshot has {colours.Count} colours");
        Assert.True(notWhite > pixels / 20, $"only {notWhite} of {pixels} pixels are not white");
    }

    private static async Task<JsonElement> EvaluateAsync(DevToolsConnection devTools, string expression, CancellationToken cancel)
    {
        JsonElement result = await devTools.SendAsync("Runtime.evaluate", new { expression, returnByValue = true }, cancel);
        if (result.TryGetProperty("exceptionDetails", out JsonElement exception))
        {
            throw new InvalidOperationException($"The page's script failed: {exception}");
        }

        return JsonDocument.Parse(result.GetProperty("result").GetProperty("value").GetString()!).RootElement;
    }

    /// <summary>The folder holding Codegen.sln, above the test output.</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Codegen.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No folder holding Codegen.sln above {AppContext.BaseDirectory}.");
    }
}
