using Xunit;
using System.Net;
using System.Text.Json;
using OnedriveOffsite.GraphEmulator;
using static OnedriveOffsite.Tests.GraphEmulator.EmulatorTestClient;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class FoldersAndPagingTests
{
    private static Task<HttpResponseMessage> CreateFolder(EmulatorTestClient t, string name, string behavior = "fail") =>
        t.Graph(HttpMethod.Post, "me/drive/special/approot/children",
            JsonBody($$"""{"name":"{{name}}","folder":{},"@microsoft.graph.conflictBehavior":"{{behavior}}"}"""));

    [Fact]
    public async Task CreatingAFolderTwiceWithFailIsAConflictAndRenameMakesANewName()
    {
        await using var t = await StartAsync();
        using (var first = await CreateFolder(t, "Backups"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            Assert.Equal(0, (await Json(first)).GetProperty("folder").GetProperty("childCount").GetInt32());
        }
        using (var again = await CreateFolder(t, "BACKUPS"))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("nameAlreadyExists", await ErrorCode(again));
        }
        using var renamed = await CreateFolder(t, "Backups", "rename");
        Assert.Equal(HttpStatusCode.Created, renamed.StatusCode);
        Assert.Equal("Backups 1", (await Json(renamed)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task ChildrenArePagedWithAbsoluteNextLinksUntilTheEnd()
    {
        await using var t = await StartAsync(new EmulatorOptions { PageSize = 5 });
        for (int i = 0; i < 12; i++) (await CreateFolder(t, $"f{i:D2}")).Dispose();

        var names = new List<string>();
        var pages = 0;
        string? next = t.GraphUrl("me/drive/special/approot/children?$top=50").ToString();
        while (next is not null)
        {
            Assert.StartsWith(t.Emu.BaseUri.ToString(), next); // absolute
            var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.Authorization = new("Bearer", t.Emu.AccessToken);
            using var response = await t.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await Json(response);
            var value = json.GetProperty("value");
            Assert.True(value.GetArrayLength() <= 5); // $top is honoured only up to the page size
            names.AddRange(value.EnumerateArray().Select(v => v.GetProperty("name").GetString()!));
            next = json.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
            if (next is not null) Assert.Contains("$skiptoken=", next);
            pages++;
        }
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"f{i:D2}"), names);

        using var small = await t.Get("me/drive/special/approot/children?$top=2");
        Assert.Equal(2, (await Json(small)).GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task ChildItemsCarryTheFieldsClientsUse()
    {
        await using var t = await StartAsync();
        (await CreateFolder(t, "sub")).Dispose();
        using (await t.Graph(HttpMethod.Put, "me/drive/special/approot:/hello.txt:/content",
                   new ByteArrayContent("hello world"u8.ToArray()))) { }
        using var list = await t.Get("me/drive/special/approot/children");
        var items = (await Json(list)).GetProperty("value").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        var file = items["hello.txt"];
        foreach (var field in new[] { "id", "size", "createdDateTime", "lastModifiedDateTime", "parentReference" })
            Assert.True(file.TryGetProperty(field, out _), field);
        Assert.Equal(11, file.GetProperty("size").GetInt64());
        Assert.Equal("aCgDG9jwBhDc4Q1yawMZAAAAAAA=",
            file.GetProperty("file").GetProperty("hashes").GetProperty("quickXorHash").GetString());
        Assert.Equal(JsonValueKind.String, file.GetProperty("@microsoft.graph.downloadUrl").ValueKind);
        Assert.Equal(0, items["sub"].GetProperty("folder").GetProperty("childCount").GetInt32());
    }

    [Fact]
    public async Task SimpleUploadIsLimitedAndHonoursConflictBehavior()
    {
        await using var t = await StartAsync(new EmulatorOptions { SimpleUploadMaxBytes = 1000 });
        using (var tooBig = await t.Graph(HttpMethod.Put, "me/drive/special/approot:/big.bin:/content",
                   new ByteArrayContent(new byte[1001])))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        using (var created = await t.Graph(HttpMethod.Put, "me/drive/special/approot:/a.bin:/content",
                   new ByteArrayContent(new byte[1000])))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var fail = await t.Graph(HttpMethod.Put,
                   "me/drive/special/approot:/A.BIN:/content?@microsoft.graph.conflictBehavior=fail",
                   new ByteArrayContent(new byte[10])))
            Assert.Equal(HttpStatusCode.Conflict, fail.StatusCode);
        using (var replaced = await t.Graph(HttpMethod.Put, "me/drive/special/approot:/a.bin:/content",
                   new ByteArrayContent(new byte[10])))
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        using (var missingParent = await t.Graph(HttpMethod.Put, "me/drive/special/approot:/nofolder/a.bin:/content",
                   new ByteArrayContent(new byte[10])))
            Assert.Equal(HttpStatusCode.NotFound, missingParent.StatusCode);
        Assert.Equal(10, Assert.Single(t.Emu.Stats.StoredFiles).Size);
    }
}
