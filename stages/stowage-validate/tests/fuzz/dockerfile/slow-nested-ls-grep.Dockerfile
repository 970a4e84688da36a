FROM alpine:3.20
RUN ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls $(ls grep x
