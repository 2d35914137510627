"""What delivery holds about a person (bookings, attendance, progress, certificates, messages),
for cms.privacy's download, erasure and retention."""
