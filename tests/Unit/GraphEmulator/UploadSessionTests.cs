using Xunit;
using System.Net;
using System.Net.Http.Headers;
using OnedriveOffsite.GraphEmulator;
using OnedriveOffsite.GraphEmulator.Hashing;
using Microsoft.Extensions.Time.Testing;
using static OnedriveOffsite.Tests.GraphEmulator.EmulatorTestClient;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class UploadSessionTests
{
    [Fact]
    public async Task AlignedFragmentsInOrderCompleteWithTheHashOfTheStoredBytes()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(3 * Unit + 12345);
        var url = await t.CreateSession("file.bin");

        using (var first = await t.PutFragment(url, data, 0, 2 * Unit))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            var json = await Json(first);
            Assert.Equal($"{2 * Unit}-{data.Length - 1}", json.GetProperty("nextExpectedRanges")[0].GetString());
            Assert.True(json.TryGetProperty("expirationDateTime", out _));
        }
        using (var status = await t.Http.GetAsync(url))
            Assert.StartsWith($"{2 * Unit}-", (await Json(status)).GetProperty("nextExpectedRanges")[0].GetString());
        using var last = await t.PutFragment(url, data, 2 * Unit, data.Length - 2 * Unit);
        Assert.Equal(HttpStatusCode.Created, last.StatusCode);
        var item = await Json(last);
        Assert.Equal(data.Length, item.GetProperty("size").GetInt64());
        Assert.Equal(ReferenceQuickXorHash.Compute(data), item.GetProperty("file").GetProperty("hashes").GetProperty("quickXorHash").GetString());

        await using (var stored = t.Emu.OpenStoredFile("/Apps/OnedriveOffsite/file.bin"))
        {
            var copy = new MemoryStream();
            await stored.CopyToAsync(copy);
            Assert.Equal(data, copy.ToArray());
        }
        using (var afterCompletion = await t.Http.GetAsync(url))
            Assert.Equal(HttpStatusCode.NotFound, afterCompletion.StatusCode);
        var stats = t.Emu.Stats;
        Assert.Equal(1, stats.SessionsCreated);
        Assert.Equal(1, stats.SessionsCompleted);
        Assert.Equal(data.Length, stats.UploadedBytes);
        Assert.Equal(0, stats.AuthorizationHeaderViolations);
    }

    [Fact]
    public async Task AFragmentThatIsNotA320KiBMultipleIsRejectedUnlessItEndsTheFile()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(2 * Unit);
        var url = await t.CreateSession("f.bin");
        using (var misaligned = await t.PutFragment(url, data, 0, Unit + 1))
        {
            Assert.Equal(HttpStatusCode.BadRequest, misaligned.StatusCode);
            Assert.Equal("invalidRange", await ErrorCode(misaligned));
        }
        using (var ok = await t.PutFragment(url, data, 0, Unit)) Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        using (var lastShort = await t.PutFragment(url, data, Unit, Unit)) // ends the file: any size allowed
            Assert.Equal(HttpStatusCode.Created, lastShort.StatusCode);
    }

    [Fact]
    public async Task OutOfOrderAndOverlappingFragmentsGet416WithTheNextExpectedRange()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(3 * Unit);
        var url = await t.CreateSession("f.bin");
        using (var gap = await t.PutFragment(url, data, Unit, Unit))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, gap.StatusCode);
            Assert.Equal("0-", (await Json(gap)).GetProperty("error").GetProperty("nextExpectedRanges")[0].GetString());
        }
        using (await t.PutFragment(url, data, 0, Unit)) { }
        using var overlap = await t.PutFragment(url, data, 0, Unit);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, overlap.StatusCode);
        var error = (await Json(overlap)).GetProperty("error");
        Assert.Equal("fragmentOverlap", error.GetProperty("innerError").GetProperty("code").GetString());
        Assert.StartsWith($"{Unit}-", error.GetProperty("nextExpectedRanges")[0].GetString());
    }

    [Fact]
    public async Task AuthorizationHeaderOnTheUploadUrlIs401AndCountedAsAViolation()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(Unit);
        var url = await t.CreateSession("f.bin");
        using var response = await t.PutFragment(url, data, 0, Unit, withAuthorization: true);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, t.Emu.Stats.AuthorizationHeaderViolations);
        using var status = await t.Http.GetAsync(url);
        Assert.Equal("0-", (await Json(status)).GetProperty("nextExpectedRanges")[0].GetString());
    }

    [Fact]
    public async Task TotalMustStayTheSameAndLengthsMustAgree()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(2 * Unit);
        var url = await t.CreateSession("f.bin");
        using (await t.PutFragment(url, data, 0, Unit)) { }
        using (var otherTotal = await t.PutFragment(url, data, Unit, Unit, total: 3 * Unit))
            Assert.Equal(HttpStatusCode.BadRequest, otherTotal.StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(data, Unit, 100) };
        request.Content.Headers.ContentRange = new ContentRangeHeaderValue(Unit, 2 * Unit - 1, 2 * Unit);
        using (var mismatch = await t.Http.SendAsync(request))
            Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);

        var noRange = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(data, Unit, Unit) };
        using (var missing = await t.Http.SendAsync(noRange))
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task FragmentsOf60MiBOrMoreAreRejected()
    {
        await using var t = await StartAsync();
        const int sixtyMiB = 60 * 1024 * 1024; // itself a 320 KiB multiple
        var data = new byte[sixtyMiB + Unit];
        var url = await t.CreateSession("big.bin");
        using (var tooBig = await t.PutFragment(url, data, 0, sixtyMiB))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        using (var justUnder = await t.PutFragment(url, data, 0, sixtyMiB - Unit))
            Assert.Equal(HttpStatusCode.Accepted, justUnder.StatusCode);
    }

    [Fact]
    public async Task CancelledAndExpiredSessionsAre404AndFragmentsExtendTheExpiry()
    {
        var clock = new FakeTimeProvider(); // the emulator's clock: advanced by the test, never slept on
        await using var t = await StartAsync(new EmulatorOptions { UploadSessionIdleLifetime = TimeSpan.FromSeconds(1), Clock = clock });
        var data = RandomBytes(3 * Unit);
        var cancelled = await t.CreateSession("a.bin");
        using (var delete = await t.Http.DeleteAsync(cancelled)) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var afterCancel = await t.PutFragment(cancelled, data, 0, Unit))
        {
            Assert.Equal(HttpStatusCode.NotFound, afterCancel.StatusCode);
            Assert.Equal("itemNotFound", await ErrorCode(afterCancel));
        }
        Assert.Equal(1, t.Emu.Stats.SessionsCancelled);

        var idle = await t.CreateSession("b.bin");
        using (var ok = await t.PutFragment(idle, data, 0, Unit)) Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        clock.Advance(TimeSpan.FromMilliseconds(600));
        using (var ok = await t.PutFragment(idle, data, Unit, Unit)) Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        clock.Advance(TimeSpan.FromMilliseconds(600)); // past the first expiry, within the extended one
        using (var alive = await t.Http.GetAsync(idle)) Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        clock.Advance(TimeSpan.FromMilliseconds(1100));
        using var expired = await t.PutFragment(idle, data, 2 * Unit, Unit);
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
    }

    [Fact]
    public async Task FailConflictIsCheckedAtCreationAndAgainAtCompletion()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(1000);
        var first = await t.CreateSession("same.bin");
        var second = await t.CreateSession("same.bin");
        using (var done = await t.PutFragment(first, data, 0, data.Length)) Assert.Equal(HttpStatusCode.Created, done.StatusCode);

        using (var atCreation = await t.Graph(HttpMethod.Post, "me/drive/special/approot:/same.bin:/createUploadSession",
                   JsonBody("""{"item":{"@microsoft.graph.conflictBehavior":"fail"}}""")))
        {
            Assert.Equal(HttpStatusCode.Conflict, atCreation.StatusCode);
            Assert.Equal("nameAlreadyExists", await ErrorCode(atCreation));
        }
        using (var atCompletion = await t.PutFragment(second, data, 0, data.Length))
            Assert.Equal(HttpStatusCode.Conflict, atCompletion.StatusCode);

        var replace = await t.CreateSession("same.bin", conflict: "replace");
        using var replaced = await t.PutFragment(replace, data, 0, data.Length);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode); // 200 when an existing item was replaced
    }

    [Fact]
    public async Task FilesAboveTheMaximumSizeAndUnknownConflictBehaviorsAreRejected()
    {
        await using var t = await StartAsync(new EmulatorOptions { MaxFileSizeBytes = 2 * Unit });
        var data = RandomBytes(3 * Unit);
        var url = await t.CreateSession("f.bin");
        using (var tooLarge = await t.PutFragment(url, data, 0, Unit))
            Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);
        using var unknown = await t.Graph(HttpMethod.Post, "me/drive/special/approot:/g.bin:/createUploadSession",
            JsonBody("""{"item":{"@microsoft.graph.conflictBehavior":"overwrite"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task ExceedingTheQuotaIs507()
    {
        await using var t = await StartAsync(new EmulatorOptions { DriveCapacityBytes = 2 * Unit });
        var data = RandomBytes(3 * Unit);
        var url = await t.CreateSession("f.bin");
        using var full = await t.PutFragment(url, data, 0, Unit);
        Assert.Equal((HttpStatusCode)507, full.StatusCode);
        Assert.Equal("insufficientStorage", await ErrorCode(full));
    }

    [Fact]
    public async Task SessionsCanBeCreatedByItemIdAndPathFormsAndForDrivesById()
    {
        await using var t = await StartAsync();
        using var app = await t.Get("me/drive/special/approot");
        var appId = Uri.EscapeDataString((await Json(app)).GetProperty("id").GetString()!);
        using var session = await t.Graph(HttpMethod.Post, $"drives/{t.Emu.DriveId}/items/{appId}:/x.bin:/createUploadSession",
            JsonBody("""{"item":{"@microsoft.graph.conflictBehavior":"fail"}}"""));
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var url = (await Json(session)).GetProperty("uploadUrl").GetString()!;
        using var done = await t.PutFragment(url, new byte[] { 1, 2, 3 }, 0, 3);
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        Assert.Equal("/Apps/OnedriveOffsite/x.bin", Assert.Single(t.Emu.Stats.StoredFiles).Path);
    }
    [Fact]
    public async Task UploadBytesArrivingCountsAFragmentWhileItsBodyIsStillArriving()
    {
        await using var t = await StartAsync();
        var data = RandomBytes(2 * Unit);
        var url = await t.CreateSession("live.bin");
        var content = new HalfThenRest(data);
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
        request.Content.Headers.ContentRange = new ContentRangeHeaderValue(0, data.Length - 1, data.Length);
        var put = t.Http.SendAsync(request);

        await content.FirstHalfSent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var deadline = DateTime.UtcNow.AddSeconds(20); // a wide margin, not a timing assumption: it ends when the count does
        while (t.Emu.Stats.UploadBytesArriving < Unit && DateTime.UtcNow < deadline) await Task.Delay(10);
        var midway = t.Emu.Stats;
        Assert.Equal(Unit, midway.UploadBytesArriving);
        Assert.Equal(0, midway.UploadedBytes); // the fragment is not complete yet: only the live counter moved
        content.Release.SetResult();

        using var done = await put;
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        Assert.Equal(data.Length, t.Emu.Stats.UploadBytesArriving);
        Assert.Equal(data.Length, t.Emu.Stats.UploadedBytes);
    }

    /// <summary>A body that sends its first half, then waits for <see cref="Release"/> before sending the rest.</summary>
    private sealed class HalfThenRest(byte[] data) : HttpContent
    {
        public TaskCompletionSource FirstHalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var half = data.Length / 2;
            await stream.WriteAsync(data.AsMemory(0, half));
            await stream.FlushAsync();
            FirstHalfSent.SetResult();
            await Release.Task;
            await stream.WriteAsync(data.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = data.Length;
            return true;
        }
    }
}
