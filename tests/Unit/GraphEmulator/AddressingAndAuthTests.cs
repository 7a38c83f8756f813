using Xunit;
using System.Net;
using System.Text;
using OnedriveOffsite.GraphEmulator;
using static OnedriveOffsite.Tests.GraphEmulator.EmulatorTestClient;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class AddressingAndAuthTests
{
    [Fact]
    public async Task DriveRootAndAppFolderAreServedInBothUrlForms()
    {
        await using var t = await StartAsync(new EmulatorOptions { AppName = "MyApp" });
        using var drive = await t.Get("me/drive");
        Assert.Equal(HttpStatusCode.OK, drive.StatusCode);
        var driveJson = await Json(drive);
        var driveId = driveJson.GetProperty("id").GetString()!;
        Assert.True(driveJson.GetProperty("quota").GetProperty("total").GetInt64() > 0);

        using var approot = await t.Get($"drives/{driveId}/special/approot");
        var app = await Json(approot);
        Assert.Equal("MyApp", app.GetProperty("name").GetString());
        Assert.Equal("/drive/root:/Apps", app.GetProperty("parentReference").GetProperty("path").GetString());

        using var byPath = await t.Get("me/drive/root:/apps/MYAPP:"); // paths are case-insensitive
        Assert.Equal(app.GetProperty("id").GetString(), (await Json(byPath)).GetProperty("id").GetString());
        using var byId = await t.Get($"drives/{driveId}/items/{Uri.EscapeDataString(app.GetProperty("id").GetString()!)}");
        Assert.Equal(HttpStatusCode.OK, byId.StatusCode);
        using var rootAsItem = await t.Get($"drives/{driveId}/items/root");
        Assert.True((await Json(rootAsItem)).TryGetProperty("root", out _));
        using var otherDrive = await t.Get("drives/nosuchdrive/root");
        Assert.Equal(HttpStatusCode.NotFound, otherDrive.StatusCode);
    }

    [Theory]
    [InlineData("a%3Ab")]
    [InlineData("a*b")]
    [InlineData("a%22b")]
    [InlineData("a%3Cb")]
    [InlineData("a%7Cb")]
    [InlineData("a%5Cb")]
    [InlineData("a%3Fb")]
    [InlineData("trailingdot.")]
    [InlineData("trailingspace%20")]
    [InlineData("encoded%2Fslash")]
    public async Task InvalidNamesInPathsAreRejected(string segment)
    {
        await using var t = await StartAsync();
        using var response = await t.Graph(HttpMethod.Put, $"me/drive/special/approot:/{segment}:/content",
            new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalidRequest", await ErrorCode(response));
        Assert.Empty(t.Emu.Stats.StoredFiles);
    }

    [Fact]
    public async Task InvalidFolderNameInBodyIsRejected()
    {
        await using var t = await StartAsync();
        using var response = await t.Graph(HttpMethod.Post, "me/drive/special/approot/children",
            JsonBody("""{"name":"bad?name","folder":{},"@microsoft.graph.conflictBehavior":"fail"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task GraphRequestsNeedAValidBearerTokenAndExpiredTokensAreRefused()
    {
        await using var t = await StartAsync();
        using (var none = await t.Graph(HttpMethod.Get, "me/drive", token: ""))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("InvalidAuthenticationToken", await ErrorCode(none));
        }
        using (var wrong = await t.Graph(HttpMethod.Get, "me/drive", token: "not-a-token"))
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var old = t.Emu.AccessToken;
        t.Emu.ExpireAccessTokens();
        using (var expired = await t.Graph(HttpMethod.Get, "me/drive", token: old))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Contains("expired", (await Json(expired)).GetProperty("error").GetProperty("message").GetString());
        }
        var fresh = t.Emu.IssueToken();
        Assert.NotEqual(old, fresh);
        using (var ok = await t.Graph(HttpMethod.Get, "me/drive", token: fresh))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(3, t.Emu.Stats.UnauthorizedRequests);
    }

    [Fact]
    public async Task ConfiguredTokensAreAcceptedAndUserAgentsAndRoutesAreRecorded()
    {
        await using var t = await StartAsync(new EmulatorOptions { AcceptedTokens = ["fixed-token"] });
        Assert.Equal("fixed-token", t.Emu.AccessToken);
        using var ok = await t.Get("me/drive/root/children");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var stats = t.Emu.Stats;
        Assert.Contains("ISV|OnedriveOffsite|EmulatorTests/1.0", stats.UserAgents);
        Assert.Equal(1, stats.RequestsByRoute["GET children"]);
        Assert.Equal(1, stats.TotalRequests);
    }

    [Fact]
    public async Task DeleteRemovesTheItemAndIsCounted()
    {
        await using var t = await StartAsync();
        using var put = await t.Graph(HttpMethod.Put, "me/drive/special/approot:/x.bin:/content",
            new ByteArrayContent(Encoding.ASCII.GetBytes("x")));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var id = (await Json(put)).GetProperty("id").GetString()!;
        using var delete = await t.Graph(HttpMethod.Delete, $"me/drive/items/{Uri.EscapeDataString(id)}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await t.Get($"me/drive/items/{Uri.EscapeDataString(id)}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("itemNotFound", await ErrorCode(gone));
        Assert.Equal(1, t.Emu.Stats.ItemsDeleted);
        Assert.Empty(t.Emu.Stats.StoredFiles);
    }
}
