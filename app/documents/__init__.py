"""Official documents (文书): issued by the processes as PDFs, numbered without gaps per issuing
unit and year, immutable once issued (a correction is a new version), verifiable by a code."""
