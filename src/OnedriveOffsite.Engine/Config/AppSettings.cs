using System.Text.RegularExpressions;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Config;

/// <summary>
/// The Azure app registration and endpoints every sign-in and Graph call uses. Holds no secret: whether a client
/// secret is stored is all it knows (<see cref="HasClientSecret"/>); the secret lives in its own protected file.
/// </summary>
public sealed record AppSettings
{
    public static readonly Uri DefaultGraphEndpoint = new("https://graph.microsoft.com");
    public static readonly Uri DefaultAuthorityHost = new("https://login.microsoftonline.com");
    public const string DefaultTenant = "common";

    public required string ClientId { get; init; }
    public string TenantId { get; init; } = DefaultTenant;
    public bool HasClientSecret { get; init; }
    public ScopeMode ScopeMode { get; init; } = ScopeMode.AppFolder;
    /// <summary>Folder of the drive that holds the repository in <see cref="ScopeMode.Drive"/> mode (e.g. <c>Backups/Offsite</c>).</summary>
    public string? DriveFolder { get; init; }
    /// <summary>Graph root without version; clients append <c>/v1.0</c>.</summary>
    public Uri GraphEndpoint { get; init; } = DefaultGraphEndpoint;
    public Uri AuthorityHost { get; init; } = DefaultAuthorityHost;

    /// <summary>
    /// Where the browser is sent after sign-in in the authorization-code flow; the user pastes that URL back.
    /// Null means the login host's native-client page (<c>https://login.microsoftonline.com/common/oauth2/nativeclient</c>),
    /// which shows a blank page whose address holds the code. Must be registered on the app.
    /// </summary>
    public Uri? RedirectUri { get; init; }

    /// <summary>Default upload bandwidth limit of every run (a rate or timetable, see <see cref="IO.BandwidthSchedule"/>); null: none.</summary>
    public string? MaxUploadRate { get; init; }

    /// <summary>Default download bandwidth limit of every run (restores and full verification); null: none.</summary>
    public string? MaxDownloadRate { get; init; }

    public Uri EffectiveRedirectUri => RedirectUri ?? new Uri(AuthorityHost, "/common/oauth2/nativeclient");

    /// <summary>The OAuth authority MSAL talks to: the login host plus the tenant.</summary>
    public Uri Authority => new(AuthorityHost, "/" + TenantId);

    /// <summary>Throws <see cref="OffsiteException"/> (InvalidClientId, InvalidTenant, InvalidEndpoint, InvalidDriveFolder) for bad values.</summary>
    public AppSettings Validate()
    {
        if (!Guid.TryParse(ClientId, out _))
            throw new OffsiteException(ErrorIds.App.InvalidClientId, OffsiteErrorCategory.InvalidArgument,
                $"The client id '{ClientId}' is not a GUID. Use the 'Application (client) ID' of the app registration.", ClientId);
        if (!IsValidTenant(TenantId))
            throw new OffsiteException(ErrorIds.App.InvalidTenant, OffsiteErrorCategory.InvalidArgument,
                $"The tenant '{TenantId}' is not valid. Use 'common', 'consumers', 'organizations', a tenant id (GUID) or a verified domain name.", TenantId);
        // MSAL refuses authorities that are not https; Graph may be a plain-http loopback emulator.
        CheckHost(GraphEndpoint, "Graph endpoint", DefaultGraphEndpoint, allowLoopbackHttp: true);
        CheckHost(AuthorityHost, "authority host", DefaultAuthorityHost, allowLoopbackHttp: false);
        if (RedirectUri is { } redirect && !(redirect.IsAbsoluteUri && (redirect.Scheme == Uri.UriSchemeHttps || redirect.Scheme == Uri.UriSchemeHttp)))
            throw new OffsiteException(ErrorIds.App.InvalidEndpoint, OffsiteErrorCategory.InvalidArgument,
                $"The redirect URI '{redirect}' is not an absolute http(s) URL.", redirect);
        if (ScopeMode == ScopeMode.Drive && string.IsNullOrWhiteSpace(DriveFolder))
            throw new OffsiteException(ErrorIds.App.InvalidDriveFolder, OffsiteErrorCategory.InvalidArgument,
                "The Drive scope mode needs -DriveFolder: the folder of the drive that holds the backups (e.g. 'Backups/Offsite').", DriveFolder);
        IO.BandwidthSchedule.Parse(MaxUploadRate); // throws InvalidBandwidthLimit
        IO.BandwidthSchedule.Parse(MaxDownloadRate);
        if (DriveFolder is not null && !IsValidDrivePath(DriveFolder))
            throw new OffsiteException(ErrorIds.App.InvalidDriveFolder, OffsiteErrorCategory.InvalidArgument,
                $"The drive folder '{DriveFolder}' is not a valid OneDrive path (names joined by '/'; no \" * : < > ? \\ |; no name ending in a dot or space).", DriveFolder);
        return this;
    }

    /// <summary>Drive folder in canonical form: no leading or trailing '/', backslashes read as '/'.</summary>
    public static string? NormalizeDriveFolder(string? folder) =>
        string.IsNullOrWhiteSpace(folder) ? null : folder.Replace('\\', '/').Trim('/');

    private static readonly char[] InvalidNameChars = { '"', '*', ':', '<', '>', '?', '\\', '|' };

    internal static bool IsValidDrivePath(string path) =>
        path.Length > 0 && path.Split('/').All(name => name.Length > 0 && name.IndexOfAny(InvalidNameChars) < 0
            && !name.EndsWith('.') && !name.EndsWith(' ') && name != "..");

    private static bool IsValidTenant(string tenant) =>
        !string.IsNullOrWhiteSpace(tenant)
        && (Guid.TryParse(tenant, out _) || Regex.IsMatch(tenant, @"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"));

    private static void CheckHost(Uri uri, string what, Uri example, bool allowLoopbackHttp)
    {
        // Plain http only for loopback test servers: tokens must never cross a network unencrypted.
        var ok = uri.IsAbsoluteUri && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
            && (uri.Scheme == Uri.UriSchemeHttps || (allowLoopbackHttp && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            && (uri.AbsolutePath == "/" || uri.AbsolutePath.Length == 0);
        if (!ok)
            throw new OffsiteException(ErrorIds.App.InvalidEndpoint, OffsiteErrorCategory.InvalidArgument,
                $"The {what} '{uri}' is not valid: give an https URL of the host only, without path or query (e.g. {example.GetLeftPart(UriPartial.Authority)}).", uri);
    }
}
