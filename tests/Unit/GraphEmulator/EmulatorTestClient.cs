using Xunit;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OnedriveOffsite.GraphEmulator;

namespace OnedriveOffsite.Tests.GraphEmulator;

/// <summary>A running emulator plus a plain HttpClient (no redirects, no proxy) and small request helpers.</summary>
internal sealed class EmulatorTestClient : IAsyncDisposable
{
    public const int Unit = 327_680;

    private EmulatorTestClient(GraphEmulatorServer emu)
    {
        Emu = emu;
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
        {
            Timeout = TimeSpan.FromSeconds(20),
        };
        Http.DefaultRequestHeaders.UserAgent.ParseAdd("ISV|OnedriveOffsite|EmulatorTests/1.0");
    }

    public GraphEmulatorServer Emu { get; }
    public HttpClient Http { get; }

    public static async Task<EmulatorTestClient> StartAsync(EmulatorOptions? options = null) =>
        new(await GraphEmulatorServer.StartAsync(options ?? new EmulatorOptions()));

    public Uri GraphUrl(string relative) => new(Emu.BaseUri, "v1.0/" + relative);

    /// <summary>A Graph API request with the current bearer token (or <paramref name="token"/>; "" for none).</summary>
    public Task<HttpResponseMessage> Graph(HttpMethod method, string relative, HttpContent? content = null,
        string? token = null)
    {
        var request = new HttpRequestMessage(method, GraphUrl(relative)) { Content = content };
        token ??= Emu.AccessToken;
        if (token.Length > 0) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> Get(string relative) => Graph(HttpMethod.Get, relative);

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    public static async Task<string> ErrorCode(HttpResponseMessage response) =>
        (await Json(response)).GetProperty("error").GetProperty("code").GetString()!;

    /// <summary>Creates an upload session for <paramref name="path"/> (below the app folder); returns uploadUrl.</summary>
    public async Task<string> CreateSession(string path, string conflict = "fail")
    {
        using var response = await Graph(HttpMethod.Post, $"me/drive/special/approot:/{path}:/createUploadSession",
            JsonBody($$$"""{"item":{"@microsoft.graph.conflictBehavior":"{{{conflict}}}"}}"""));
        Assert.Equal(200, (int)response.StatusCode);
        var json = await Json(response);
        Assert.Equal("0-", json.GetProperty("nextExpectedRanges")[0].GetString());
        return json.GetProperty("uploadUrl").GetString()!;
    }

    /// <summary>PUTs data[start..start+length) as bytes start-(start+length-1)/total, without Authorization.</summary>
    public Task<HttpResponseMessage> PutFragment(string uploadUrl, byte[] data, long start, int length, long? total = null,
        bool withAuthorization = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, uploadUrl)
        {
            Content = new ByteArrayContent(data, (int)start, length),
        };
        request.Content.Headers.ContentRange = new ContentRangeHeaderValue(start, start + length - 1, total ?? data.Length);
        if (withAuthorization) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Emu.AccessToken);
        return Http.SendAsync(request);
    }

    /// <summary>Uploads all of data in fragments of <paramref name="fragment"/> bytes; returns the final response.</summary>
    public async Task<HttpResponseMessage> UploadAll(string uploadUrl, byte[] data, int fragment)
    {
        for (int start = 0; ; start += fragment)
        {
            int length = Math.Min(fragment, data.Length - start);
            var response = await PutFragment(uploadUrl, data, start, length);
            if (start + length == data.Length || (int)response.StatusCode != 202) return response;
            response.Dispose();
        }
    }

    public static byte[] RandomBytes(int length, int seed = 42)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        var internalErrors = Emu.Stats.InternalErrors;
        await Emu.DisposeAsync();
        Assert.Equal(0, internalErrors); // every test also proves the emulator itself did not crash
    }
}
