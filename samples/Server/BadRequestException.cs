using System;

namespace Codegen.Server;

/// <summary>A request the server refuses, with the HTTP status and the OpenAI error fields to answer with.</summary>
public sealed class BadRequestException(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    public static BadRequestException Invalid(string message, string? param) => new(400, message, "invalid_request_error", param);
}
