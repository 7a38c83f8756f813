using Xunit;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using OnedriveOffsite.GraphEmulator;
using static OnedriveOffsite.Tests.GraphEmulator.EmulatorTestClient;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class DownloadTests
{
    private static async Task<(EmulatorTestClient T, byte[] Data)> WithFile(EmulatorOptions? options = null)
    {
        var t = await StartAsync(options);
        var data = RandomBytes(100_000);
        using var put = await t.Graph(HttpMethod.Put, "me/drive/special/approot:/d.bin:/content", new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return (t, data);
    }

    private static async Task<Uri> DownloadUrl(EmulatorTestClient t)
    {
        using var redirect = await t.Get("me/drive/special/approot:/d.bin:/content");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        return redirect.Headers.Location!;
    }

    private static Task<HttpResponseMessage> Fetch(EmulatorTestClient t, Uri url, long? from = null, long? to = null,
        bool withAuthorization = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (from is not null || to is not null) request.Headers.Range = new RangeHeaderValue(from, to);
        if (withAuthorization) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", t.Emu.AccessToken);
        return t.Http.SendAsync(request);
    }

    [Fact]
    public async Task DownloadBytesLeavingCountsEveryByteWrittenToDownloadResponses()
    {
        var (t, data) = await WithFile();
        await using var _ = t;
        var url = await DownloadUrl(t);
        Assert.Equal(0, t.Emu.Stats.DownloadBytesLeaving);
        using (var all = await Fetch(t, url))
            Assert.Equal(data, await all.Content.ReadAsByteArrayAsync());
        using (var part = await Fetch(t, url, 1000, 1999))
            Assert.Equal(1000, (await part.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(data.Length + 1000, t.Emu.Stats.DownloadBytesLeaving);
        Assert.Equal(data.Length, t.Emu.Stats.UploadBytesArriving); // the simple upload that made the file
    }

    [Fact]
    public async Task ContentRedirectsToAPreAuthenticatedUrlThatServesRanges()
    {
        var (t, data) = await WithFile();
        await using var _ = t;
        var url = await DownloadUrl(t);
        Assert.Equal("localhost", url.Host); // another host than the Graph API, like OneDrive's download hosts
        Assert.Equal(t.Emu.BaseUri.Port, url.Port);

        using (var all = await Fetch(t, url))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Equal(data, await all.Content.ReadAsByteArrayAsync());
        }
        using (var part = await Fetch(t, url, 1000, 1999))
        {
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal("bytes 1000-1999/100000", part.Content.Headers.ContentRange!.ToString());
            Assert.Equal(data[1000..2000], await part.Content.ReadAsByteArrayAsync());
        }
        using (var tail = await Fetch(t, url, 99_000, null))
        {
            Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
            Assert.Equal(data[99_000..], await tail.Content.ReadAsByteArrayAsync());
        }
        using (var beyond = await Fetch(t, url, 100_000, null))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        Assert.Equal(0, t.Emu.Stats.AuthorizationHeaderViolations);
    }

    [Fact]
    public async Task PreAuthenticatedUrlsCanUseTheGraphHost()
    {
        var (t, _) = await WithFile(new EmulatorOptions { PreAuthenticatedHost = null });
        await using var __ = t;
        Assert.StartsWith(t.Emu.BaseUri.ToString(), (await DownloadUrl(t)).ToString());
        Assert.StartsWith(t.Emu.BaseUri.ToString(), await t.CreateSession("x.bin"));
    }

    [Fact]
    public async Task AuthorizationOnTheDownloadUrlIs401AndCounted()
    {
        var (t, _) = await WithFile();
        await using var __ = t;
        using var response = await Fetch(t, await DownloadUrl(t), withAuthorization: true);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, t.Emu.Stats.AuthorizationHeaderViolations);
    }

    [Fact]
    public async Task DownloadUrlsExpireAndAFreshOneWorks()
    {
        var clock = new FakeTimeProvider(); // the emulator's clock: advanced by the test, never slept on
        var (t, data) = await WithFile(new EmulatorOptions { DownloadUrlLifetime = TimeSpan.FromSeconds(1), Clock = clock });
        await using var _ = t;
        using var item = await t.Get("me/drive/special/approot:/d.bin:");
        var fromItem = new Uri((await Json(item)).GetProperty("@microsoft.graph.downloadUrl").GetString()!);
        clock.Advance(TimeSpan.FromMilliseconds(1100));
        using (var expired = await Fetch(t, fromItem, 0, 9))
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        using (var fresh = await Fetch(t, await DownloadUrl(t), 0, 9))
            Assert.Equal(data[..10], await fresh.Content.ReadAsByteArrayAsync());

        var again = await DownloadUrl(t);
        t.Emu.ExpireDownloadUrls();
        using var forced = await Fetch(t, again);
        Assert.Equal(HttpStatusCode.Unauthorized, forced.StatusCode);
    }

    [Fact]
    public async Task CorruptStoredFileChangesTheBytesButNotTheReportedHash()
    {
        var (t, data) = await WithFile();
        await using var _ = t;
        var before = Assert.Single(t.Emu.Stats.StoredFiles);
        var info = t.Emu.CorruptStoredFile("/apps/onedriveoffsite/D.BIN");
        Assert.Equal(before.QuickXorHash, info.QuickXorHash);
        using var all = await Fetch(t, await DownloadUrl(t));
        var got = await all.Content.ReadAsByteArrayAsync();
        Assert.Equal(data.Length, got.Length);
        Assert.NotEqual(data, got);
        Assert.NotEqual(before.QuickXorHash, OnedriveOffsite.GraphEmulator.Hashing.ReferenceQuickXorHash.Compute(got));
    }
}
