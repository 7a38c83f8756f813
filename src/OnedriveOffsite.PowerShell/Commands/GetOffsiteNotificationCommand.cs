using System.Management.Automation;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Shows the notification settings, without secrets.</para>
/// <para type="description">Returns the provider (None, Ses or Smtp), recipients, sender and provider options.
/// The SMTP password is never read: only whether one is stored (HasPassword).</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "OffsiteNotification")]
[OutputType(typeof(OffsiteNotificationInfo))]
public sealed class GetOffsiteNotificationCommand : OffsiteCmdlet
{
    protected override void ProcessRecord()
    {
        var store = new NotificationStore(Home);
        try
        {
            WriteObject(OffsiteNotificationInfo.Create(store.Load(), File.Exists(store.SecretPath), store.SettingsPath));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, store.SettingsPath);
        }
    }
}
