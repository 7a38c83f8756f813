using Xunit;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OnedriveOffsite.GraphEmulator;
using static OnedriveOffsite.Tests.GraphEmulator.EmulatorTestClient;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class AdminAndStandaloneTests
{
    [Fact]
    public async Task AdminEndpointsControlFaultsTokensAndStatsAndAreNeverFaulted()
    {
        await using var t = await StartAsync();
        var admin = new Uri(t.Emu.BaseUri, "_emulator/");
        using (var set = await t.Http.PostAsync(new Uri(admin, "faults"),
                   JsonBody("""{"rate":1,"kinds":"all","seed":5,"retryAfterSeconds":2}""")))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(1.0, t.Emu.Faults.Rate);
        Assert.Equal(2, t.Emu.Faults.RetryAfterSeconds);
        using (var stats = await t.Http.GetAsync(new Uri(admin, "stats"))) // rate 1, yet admin is untouched
            Assert.Equal(HttpStatusCode.OK, stats.StatusCode);

        using (await t.Http.PostAsync(new Uri(admin, "faults"), JsonBody("""{"clear":true,"enqueue":["500"]}"""))) { }
        using (var faulted = await t.Get("me/drive")) Assert.Equal(HttpStatusCode.InternalServerError, faulted.StatusCode);

        using (await t.Http.PostAsync(new Uri(admin, "expire-tokens"), null)) { }
        using (var expired = await t.Get("me/drive")) Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        using var issued = await t.Http.PostAsync(new Uri(admin, "issue-token"), null);
        var token = (await Json(issued)).GetProperty("accessToken").GetString()!;
        using (var ok = await t.Graph(HttpMethod.Get, "me/drive", token: token)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using (await t.Graph(HttpMethod.Put, "me/drive/special/approot:/c.bin:/content", new ByteArrayContent(new byte[100]))) { }
        using (var corrupt = await t.Http.PostAsync(new Uri(admin, "corrupt?path=/Apps/OnedriveOffsite/c.bin"), null))
            Assert.Equal(HttpStatusCode.OK, corrupt.StatusCode);
        using (var missing = await t.Http.PostAsync(new Uri(admin, "corrupt?path=/nope"), null))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var json = await t.Http.GetAsync(new Uri(admin, "stats"));
        var s = await Json(json);
        Assert.Equal(1, s.GetProperty("faultsInjected").GetProperty("ServerError500").GetInt32());
        Assert.Equal("/Apps/OnedriveOffsite/c.bin", s.GetProperty("storedFiles")[0].GetProperty("path").GetString());
        foreach (var field in new[] { "totalRequests", "requestsByRoute", "authorizationHeaderViolations",
                     "requestsBeforeRetryAfter", "uploadedBytes", "sessionsCreated", "userAgents" })
            Assert.True(s.TryGetProperty(field, out _), field);

        using (await t.Http.PostAsync(new Uri(admin, "reset-stats"), null)) { }
        Assert.Equal(0, t.Emu.Stats.TotalRequests);
    }

    [Fact]
    public async Task StandaloneProgramPrintsItsAddressServesAndExitsOnStdinEof()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "GraphEmulator.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--port", "0", "--page-size", "2", "--token", "cli-token" },
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi)!;
        try
        {
            // Hang guards only: a cold `dotnet` start can take tens of seconds on a loaded machine.
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.NotNull(line);
            Assert.Matches(@"^GraphEmulator listening on http://127\.0\.0\.1:\d+/$", line);
            var baseUri = new Uri(line["GraphEmulator listening on ".Length..]);

            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "v1.0/me/drive"));
            request.Headers.Authorization = new("Bearer", "cli-token");
            using (var drive = await http.SendAsync(request)) Assert.Equal(HttpStatusCode.OK, drive.StatusCode);
            var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(baseUri, "_emulator/stats"))).RootElement;
            Assert.Equal(1, stats.GetProperty("totalRequests").GetInt32());

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }
}
