namespace RotationTroubleshooter.Commands; internal static class Placeholder {}
