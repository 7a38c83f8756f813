using Xunit;
using System.Net;
using System.Net.Http.Headers;
using OnedriveOffsite.GraphEmulator;
using OnedriveOffsite.GraphEmulator.Faults;
using OnedriveOffsite.GraphEmulator.Hashing;
using Microsoft.Extensions.Time.Testing;
using static OnedriveOffsite.Tests.GraphEmulator.EmulatorTestClient;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class FaultInjectionTests
{
    /// <summary>What a client sees when the emulator aborts the connection: an exception, never a response.</summary>
    private static async Task AssertConnectionBroken(Func<Task> action)
    {
        var e = await Record.ExceptionAsync(action);
        Assert.True(e is HttpRequestException or IOException, $"expected a broken connection, got {e?.GetType().Name ?? "success"}");
    }

    /// <summary>LostAcknowledgement either aborts or answers 504; either way the client cannot know.</summary>
    private static async Task AssertAcknowledgementLost(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            using var response = await send();
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        }
        catch (HttpRequestException) { }
    }

    [Fact]
    public async Task Throttle429SetsAGlobalRetryAfterAndEarlyRequestsAreCountedAndThrottled()
    {
        var clock = new FakeTimeProvider(); // the emulator's clock: advanced by the test, never slept on
        await using var t = await StartAsync(new EmulatorOptions { Clock = clock });
        t.Emu.Faults.Enqueue(FaultKind.Throttle429);
        using (var throttled = await t.Get("me/drive"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), throttled.Headers.RetryAfter!.Delta);
            Assert.Equal("activityLimitReached", await ErrorCode(throttled));
        }
        Assert.Equal(0, t.Emu.Stats.RequestsBeforeRetryAfter);
        using (var racing = await t.Get("me/drive/root")) // right after the answer: could have been under way already
            Assert.Equal(HttpStatusCode.TooManyRequests, racing.StatusCode);
        Assert.Equal(0, t.Emu.Stats.RequestsBeforeRetryAfter);
        Assert.Equal(1, t.Emu.Stats.RequestsInFlightDuringThrottle);
        clock.Advance(TimeSpan.FromMilliseconds(300)); // past the in-flight grace (250 ms)
        using (var early = await t.Get("me/drive/root")) // a different request: the gate is global
            Assert.Equal(HttpStatusCode.TooManyRequests, early.StatusCode);
        Assert.Equal(1, t.Emu.Stats.RequestsBeforeRetryAfter);

        clock.Advance(TimeSpan.FromMilliseconds(1100));
        using (var ok = await t.Get("me/drive")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var stats = t.Emu.Stats;
        Assert.Equal(1, stats.RequestsBeforeRetryAfter);
        Assert.Equal(1, stats.FaultsInjected["Throttle429"]);
    }

    [Fact]
    public async Task Unavailable503CanComeWithoutRetryAfterAndServerError500IsPlain()
    {
        await using var t = await StartAsync();
        t.Emu.Faults.RetryAfterOmittedRate = 1;
        t.Emu.Faults.Enqueue(FaultKind.Unavailable503, FaultKind.ServerError500);
        using (var unavailable = await t.Get("me/drive"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
            Assert.Null(unavailable.Headers.RetryAfter);
        }
        using (var error = await t.Get("me/drive")) Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        using (var ok = await t.Get("me/drive")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(0, t.Emu.Stats.RequestsBeforeRetryAfter);
    }

    [Fact]
    public async Task ConnectionResetOnAFragmentStoresNothing()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(2 * Unit);
        var url = await t.CreateSession("f.bin");
        t.Emu.Faults.Enqueue(FaultKind.ConnectionReset);
        await AssertConnectionBroken(() => t.PutFragment(url, data, 0, Unit));
        using var status = await t.Http.GetAsync(url);
        Assert.Equal("0-", (await Json(status)).GetProperty("nextExpectedRanges")[0].GetString());
        Assert.Equal(1, t.Emu.Stats.FaultsInjected["ConnectionReset"]);
    }

    [Fact]
    public async Task LostAcknowledgementStoresTheFragmentSoTheResendGets416()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(2 * Unit);
        var url = await t.CreateSession("f.bin");
        t.Emu.Faults.Enqueue(FaultKind.LostAcknowledgement);
        await AssertAcknowledgementLost(() => t.PutFragment(url, data, 0, Unit));
        using (var resend = await t.PutFragment(url, data, 0, Unit))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, resend.StatusCode);
        using (var status = await t.Http.GetAsync(url))
            Assert.StartsWith($"{Unit}-", (await Json(status)).GetProperty("nextExpectedRanges")[0].GetString());

        // Lost on the LAST fragment: the file exists, the session is gone.
        t.Emu.Faults.Enqueue(FaultKind.LostAcknowledgement);
        await AssertAcknowledgementLost(() => t.PutFragment(url, data, Unit, Unit));
        using (var gone = await t.Http.GetAsync(url)) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(ReferenceQuickXorHash.Compute(data), Assert.Single(t.Emu.Stats.StoredFiles).QuickXorHash);
    }

    [Fact]
    public async Task PartialFragmentStoredLeavesAnUnalignedNextExpectedOffsetToResumeFrom()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(3 * Unit);
        var url = await t.CreateSession("f.bin");
        t.Emu.Faults.Enqueue(FaultKind.PartialFragmentStored);
        using (var partial = await t.PutFragment(url, data, 0, 2 * Unit))
            Assert.Equal(HttpStatusCode.GatewayTimeout, partial.StatusCode);
        using var status = await t.Http.GetAsync(url);
        var next = long.Parse((await Json(status)).GetProperty("nextExpectedRanges")[0].GetString()!.Split('-')[0]);
        Assert.InRange(next, 1, 2 * Unit - 1);
        Assert.NotEqual(0, next % Unit);

        using var rest = await t.PutFragment(url, data, next, (int)(data.Length - next)); // ends the file
        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        Assert.Equal(ReferenceQuickXorHash.Compute(data),
            (await Json(rest)).GetProperty("file").GetProperty("hashes").GetProperty("quickXorHash").GetString());
    }

    [Fact]
    public async Task SessionExpiredMakesTheSessionVanish()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(2 * Unit);
        var url = await t.CreateSession("f.bin");
        t.Emu.Faults.Enqueue(FaultKind.SessionExpired);
        using (var put = await t.PutFragment(url, data, 0, Unit)) Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        using (var get = await t.Http.GetAsync(url)) Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task CorruptOnUploadMakesTheServerHashDifferFromTheClients()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(Unit + 10);
        var url = await t.CreateSession("f.bin");
        t.Emu.Faults.Enqueue(FaultKind.CorruptOnUpload);
        using var response = await t.UploadAll(url, data, Unit);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var serverHash = (await Json(response)).GetProperty("file").GetProperty("hashes").GetProperty("quickXorHash").GetString();
        Assert.NotEqual(ReferenceQuickXorHash.Compute(data), serverHash);
        await using var stored = t.Emu.OpenStoredFile("/Apps/OnedriveOffsite/f.bin");
        var bytes = new MemoryStream();
        await stored.CopyToAsync(bytes);
        Assert.Equal(ReferenceQuickXorHash.Compute(bytes.ToArray()), serverHash); // the hash of what was really stored
    }

    [Fact]
    public async Task CorruptOnUploadDamagesAFileOnlyOnceSoTheDamageCannotCancelOutInTheHash()
    {
        // Two flips of the same byte value at positions 160·k bytes apart would cancel in quickXorHash (it is linear
        // with a period of 160 bytes): a damaged file would hash like the original and pass the client's check.
        await using var t = await StartAsync();
        var data = RandomBytes(2 * Unit + 10);
        var url = await t.CreateSession("twice.bin");
        t.Emu.Faults.Enqueue(FaultKind.CorruptOnUpload, FaultKind.CorruptOnUpload, FaultKind.CorruptOnUpload);
        using var response = await t.UploadAll(url, data, Unit);
        var serverHash = (await Json(response)).GetProperty("file").GetProperty("hashes").GetProperty("quickXorHash").GetString();
        Assert.NotEqual(ReferenceQuickXorHash.Compute(data), serverHash);
        await using var stored = t.Emu.OpenStoredFile("/Apps/OnedriveOffsite/twice.bin");
        var bytes = new MemoryStream();
        await stored.CopyToAsync(bytes);
        Assert.Equal(1, bytes.ToArray().Zip(data).Count(p => p.First != p.Second));
    }

    [Fact]
    public async Task DownloadFaultsExpireTruncateAndIgnoreRange()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(200_000);
        using (await t.Graph(HttpMethod.Put, "me/drive/special/approot:/d.bin:/content", new ByteArrayContent(data))) { }
        async Task<Uri> Url()
        {
            using var r = await t.Get("me/drive/special/approot:/d.bin:/content");
            return r.Headers.Location!;
        }

        t.Emu.Faults.Enqueue(FaultKind.DownloadUrlExpired);
        var url = await Url();
        using (var expired = await t.Http.GetAsync(url)) Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        using (var stillExpired = await t.Http.GetAsync(url)) Assert.Equal(HttpStatusCode.Unauthorized, stillExpired.StatusCode);

        t.Emu.Faults.Enqueue(FaultKind.TruncatedDownload);
        var truncatedUrl = await Url();
        await AssertConnectionBroken(async () =>
        {
            using var r = await t.Http.GetAsync(truncatedUrl);
            await r.Content.ReadAsByteArrayAsync();
        });

        t.Emu.Faults.Enqueue(FaultKind.IgnoreRange);
        var request = new HttpRequestMessage(HttpMethod.Get, await Url()) { Headers = { Range = new RangeHeaderValue(10, 19) } };
        using var ignored = await t.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, ignored.StatusCode);
        Assert.Equal(data, await ignored.Content.ReadAsByteArrayAsync());

        var stats = t.Emu.Stats;
        foreach (var kind in new[] { "DownloadUrlExpired", "TruncatedDownload", "IgnoreRange" })
            Assert.Equal(1, stats.FaultsInjected[kind]);
    }

    [Fact]
    public async Task RandomInjectionIsDeterministicForASeedAndOnlyUsesTheChosenKinds()
    {
        async Task<string> Run()
        {
            await using var t = await StartAsync(new EmulatorOptions
            {
                FaultRate = 0.5, FaultKinds = [FaultKind.ServerError500], FaultSeed = 3,
            });
            var codes = new List<int>();
            for (int i = 0; i < 24; i++)
            {
                using var r = await t.Get("me/drive");
                codes.Add((int)r.StatusCode);
            }
            Assert.Equal(codes.Count(c => c == 500), t.Emu.Stats.FaultsInjected.GetValueOrDefault("ServerError500"));
            return string.Join(",", codes);
        }
        var first = await Run();
        Assert.Equal(first, await Run());
        Assert.Contains("500", first);
        Assert.Contains("200", first);
        Assert.DoesNotContain("429", first);
    }
}
