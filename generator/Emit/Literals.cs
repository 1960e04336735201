using System.Globalization;

namespace Codegen.Generator.Emit;

/// <summary>C# literals for emitted constants, independent of the build machine's culture.</summary>
internal static class Literals
{
    public static string Float(double value)
    {
        string text = ((float)value).ToString("R", CultureInfo.InvariantCulture);
        if (text.IndexOf('.') < 0 && text.IndexOf('E') < 0)
        {
            text += ".0";
        }

        return text + "f";
    }

    public static string Double(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOf('.') < 0 && text.IndexOf('E') < 0 ? text + ".0" : text;
    }

    public static string Bool(bool value) => value ? "true" : "false";
}
