using OnedriveOffsite.Engine.Config;

namespace OnedriveOffsite.Engine.Auth;

/// <summary>The scopes a sign-in asks for: the Graph file permission of the scope mode, plus offline_access (refresh tokens).</summary>
public static class GraphScopes
{
    public const string OfflineAccess = "offline_access";

    /// <summary>
    /// The file permission qualified with the Graph endpoint's host (<c>https://graph.microsoft.com/Files.ReadWrite</c>),
    /// so national clouds and test servers get tokens for their own Graph resource.
    /// </summary>
    public static string FilePermission(AppSettings settings)
    {
        var resource = settings.GraphEndpoint.GetLeftPart(UriPartial.Authority);
        var permission = settings.ScopeMode == ScopeMode.AppFolder ? "Files.ReadWrite.AppFolder" : "Files.ReadWrite";
        return resource + "/" + permission;
    }

    public static string[] For(AppSettings settings) => new[] { FilePermission(settings), OfflineAccess };
}
