// Transitional: PartCodec was renamed PartCompression (Format/FormatVersion.cs). Backup/PartBackup.cs is being
// rewritten on another branch and keeps the old name until that branch lands; then rename its uses and delete this file.
global using PartCodec = OnedriveOffsite.Engine.Format.PartCompression;
