using Xunit;
using Microsoft.Graph;
using Microsoft.Graph.Drives.Item.Items.Item.CreateUploadSession;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions.Authentication;
using OnedriveOffsite.GraphEmulator;
using OnedriveOffsite.GraphEmulator.Hashing;

namespace OnedriveOffsite.Tests.GraphEmulator;

/// <summary>
/// The emulator must work with the Microsoft.Graph SDK the engine uses (URL forms, JSON shapes, redirects,
/// upload slices), otherwise engine tests against it would fail for the emulator's sake, not the engine's.
/// </summary>
public class GraphSdkCompatibilityTests
{
    private sealed class EmulatorTokens(GraphEmulatorServer emu) : IAccessTokenProvider
    {
        public AllowedHostsValidator AllowedHostsValidator { get; } = new([emu.BaseUri.Host]);

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null,
            CancellationToken cancellationToken = default) => Task.FromResult(emu.AccessToken);
    }

    [Fact]
    public async Task SdkCanBrowseCreateUploadInSlicesListAndDownload()
    {
        await using var emu = await GraphEmulatorServer.StartAsync(new EmulatorOptions { PageSize = 2 });
        using var http = GraphClientFactory.Create(finalHandler: new SocketsHttpHandler { UseProxy = false });
        var client = new GraphServiceClient(http, new BaseBearerTokenAuthenticationProvider(new EmulatorTokens(emu)),
            emu.GraphUri.ToString().TrimEnd('/'));

        var drive = await client.Me.Drive.GetAsync();
        var approot = await client.Drives[drive!.Id].Special["approot"].GetAsync();
        Assert.Equal("OnedriveOffsite", approot!.Name);

        var folder = await client.Drives[drive.Id].Items[approot.Id].Children.PostAsync(new DriveItem
        {
            Name = "sub", Folder = new Folder(),
            AdditionalData = new Dictionary<string, object> { ["@microsoft.graph.conflictBehavior"] = "fail" },
        });
        Assert.Equal("sub", folder!.Name);

        var data = EmulatorTestClient.RandomBytes(3 * EmulatorTestClient.Unit + 999);
        var session = await client.Drives[drive.Id].Items[approot.Id].ItemWithPath("sub/big file.bin")
            .CreateUploadSession.PostAsync(new CreateUploadSessionPostRequestBody
            {
                Item = new DriveItemUploadableProperties
                {
                    AdditionalData = new Dictionary<string, object> { ["@microsoft.graph.conflictBehavior"] = "fail" },
                },
            });
        using var source = new MemoryStream(data);
        var upload = new LargeFileUploadTask<DriveItem>(session, source, EmulatorTestClient.Unit);
        var result = await upload.UploadAsync();
        Assert.True(result.UploadSucceeded);
        Assert.Equal(ReferenceQuickXorHash.Compute(data), result.ItemResponse.File!.Hashes!.QuickXorHash);

        for (int i = 0; i < 4; i++)
            await client.Drives[drive.Id].Items[folder.Id].Children.PostAsync(new DriveItem { Name = $"f{i}", Folder = new Folder() });
        var names = new List<string>();
        var page = await client.Drives[drive.Id].Items[folder.Id].Children.GetAsync();
        while (page is not null)
        {
            names.AddRange(page.Value!.Select(v => v.Name!));
            page = page.OdataNextLink is { } next
                ? await client.Drives[drive.Id].Items[folder.Id].Children.WithUrl(next).GetAsync()
                : null;
        }
        Assert.Equal(["big file.bin", "f0", "f1", "f2", "f3"], names);

        await using var content = await client.Drives[drive.Id].Items[result.ItemResponse.Id].Content.GetAsync();
        var downloaded = new MemoryStream();
        await content!.CopyToAsync(downloaded);
        Assert.Equal(data, downloaded.ToArray());

        var stats = emu.Stats;
        Assert.Equal(0, stats.AuthorizationHeaderViolations);
        Assert.Equal(0, stats.InternalErrors);
        Assert.Equal(4, stats.RequestsByRoute["PUT uploadFragment"]);
    }
}
