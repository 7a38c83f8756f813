using Notify = OnedriveOffsite.Engine.Notifications;

namespace OnedriveOffsite.Commands;

/// <summary>Converts between the cmdlet enums and the engine's (identical names; checked by a unit test).</summary>
internal static class NotificationMapping
{
    public static Notify.NotificationProvider ToEngine(this OffsiteNotificationProvider value) =>
        Convert<Notify.NotificationProvider>(value);
    public static Notify.NotificationTrigger ToEngine(this OffsiteNotificationTrigger value) => (Notify.NotificationTrigger)(int)value;
    public static Notify.SmtpSecurity ToEngine(this OffsiteSmtpSecurity value) => Convert<Notify.SmtpSecurity>(value);

    public static OffsiteNotificationProvider FromEngine(Notify.NotificationProvider value) => Convert<OffsiteNotificationProvider>(value);
    public static OffsiteNotificationTrigger FromEngine(Notify.NotificationTrigger value) => (OffsiteNotificationTrigger)(int)value;
    public static OffsiteSmtpSecurity FromEngine(Notify.SmtpSecurity value) => Convert<OffsiteSmtpSecurity>(value);

    private static T Convert<T>(Enum value) where T : struct, Enum => Enum.Parse<T>(value.ToString());
}
